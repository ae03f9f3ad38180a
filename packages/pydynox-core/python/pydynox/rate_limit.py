"""Client-side rate limiting, charged by the capacity DynamoDB reports.

.. code-block:: python

    client = DynamoDBClient(rate_limit=FixedRate(rcu=50, wcu=20))
    client = DynamoDBClient(rate_limit=AdaptiveRate(max_rcu=200, max_wcu=100))

One limiter serves every task, thread and model that uses the client (and may be shared by several
clients). Each call first reserves its estimated units (one per item; a batch counts its items), waits
until the budget allows it, and once the response is in, the units DynamoDB reports as consumed
replace the estimate, so large items and queries are charged what they really cost. The wait is a
timer on pydynox's runtime: awaiting never blocks the event loop, and a ``sync_`` call waits with the
GIL released.

``FixedRate(rcu=None, wcu=None, burst=None)`` holds a fixed budget per second (``burst``: how many units
may go at once after a quiet spell; one second's worth by default). ``AdaptiveRate(max_rcu=None,
max_wcu=None, min_rcu=1, min_wcu=1)`` starts at half the maximum, backs off by a fifth when DynamoDB
throttles (at most once a second), and grows by a tenth after every ten seconds without a throttle.
Both report ``consumed_rcu``, ``consumed_wcu`` and ``throttle_count``; ``reset()`` zeroes them.
"""

from pydynox._core import AdaptiveRate, FixedRate

__all__ = ["AdaptiveRate", "FixedRate"]
