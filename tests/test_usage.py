"""track_usage(): per-unit-of-work totals built from operation events."""

from __future__ import annotations

import asyncio
import threading
from contextvars import copy_context

from pydynox import DynamoDBClient, events
from pydynox.usage import Usage, current_usage, track_usage


async def test_counts_operations_in_the_block_only(client: DynamoDBClient, table: str) -> None:
    await client.put_item(table, {"pk": "outside", "sk": "x"})
    with track_usage() as usage:
        await client.put_item(table, {"pk": "a", "sk": "1"})
        await client.get_item(table, {"pk": "a", "sk": "1"}, consistent_read=True)
        assert current_usage() is usage
    await client.get_item(table, {"pk": "a", "sk": "1"})
    assert usage.calls == 2
    assert usage.by_operation == {"PutItem": 1, "GetItem": 1}
    assert usage.consumed_wcu > 0 and usage.consumed_rcu > 0
    assert usage.time_in_dynamodb > 0 and usage.errors == 0
    assert current_usage() is None


async def test_tasks_and_copied_contexts_count_into_the_tracker(client: DynamoDBClient, table: str) -> None:
    with track_usage() as usage:
        await asyncio.gather(*(client.put_item(table, {"pk": f"p{i}", "sk": "1"}) for i in range(5)))
        ctx = copy_context()
        worker = threading.Thread(target=ctx.run, args=(client.sync_get_item, table, {"pk": "p1", "sk": "1"}))
        worker.start()
        worker.join()
    assert usage.calls == 6


async def test_nested_trackers_and_errors(client: DynamoDBClient, table: str) -> None:
    with track_usage() as outer:
        await client.put_item(table, {"pk": "n", "sk": "1"})
        with track_usage(Usage()) as inner:
            try:
                await client.put_item(
                    table, {"pk": "n", "sk": "1"}, condition_expression="attribute_not_exists(pk)"
                )
            except Exception:
                pass
        await client.get_item(table, {"pk": "n", "sk": "1"})
    assert (outer.calls, inner.calls, inner.errors) == (2, 1, 1)


def test_listener_is_removed_when_the_last_tracker_closes() -> None:
    before = events._listeners
    with track_usage(), track_usage():
        assert len(events._listeners) == len(before) + 1
    assert events._listeners == before
