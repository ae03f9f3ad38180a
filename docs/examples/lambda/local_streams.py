"""A Streams consumer tested on the embedded engine's own stream records."""

# --8<-- [start:example]
from pydynox.local import LocalEngine
from pydynox_lambda import stream_records

engine = LocalEngine(None)  # a fresh in-process engine
local = engine.make_client()
local.sync_create_table(
    "lambda_local_orders", partition_key=("pk", "S"), stream_view_type="NEW_AND_OLD_IMAGES", wait=True
)
local.sync_put_item("lambda_local_orders", {"pk": "o-1", "total": 5})
(record,) = stream_records(engine.stream_event("lambda_local_orders"))
assert record.event_name == "INSERT" and record.new == {"pk": "o-1", "total": 5}
engine.discard()
# --8<-- [end:example]

# --8<-- [start:cleanup]
from pydynox import clear_default_client

clear_default_client()  # forget the default client a handler set up, between tests
# --8<-- [end:cleanup]
