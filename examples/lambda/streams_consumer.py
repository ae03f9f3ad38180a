"""A DynamoDB Streams consumer: keeps per-customer totals in step with the orders table.

The orders table's stream (view type ``NEW_AND_OLD_IMAGES``) triggers this function with
``ReportBatchItemFailures`` on, so a record that fails is retried without replaying the whole batch
(``stop_on_failure=True`` keeps each customer's changes in order: Lambda resumes at the failed
record). Records are decoded into ``Order`` instances by pydynox's Rust core.

Tables: ``ORDERS_TABLE`` (see orders_api.py) and ``TOTALS_TABLE`` (partition key ``pk``, S).
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

from orders_api import Order
from pydynox import Model, ModelConfig
from pydynox.attributes import DecimalAttribute, IntegerAttribute, StringAttribute
from pydynox_lambda import StreamRecord, handler, process_stream


class CustomerTotals(Model):
    model_config = ModelConfig(table=os.environ.get("TOTALS_TABLE", "customer_totals"))
    pk = StringAttribute(partition_key=True, template="CUSTOMER#{customer}")
    customer = StringAttribute(required=True)
    orders = IntegerAttribute(default=0)
    spent = DecimalAttribute(default=Decimal(0))


async def on_change(record: StreamRecord[Order]) -> None:
    """Adds what changed: +total for a new order, the difference for an edit, -total for a removal."""
    old, new = record.old, record.new
    customer = (new or old).customer  # type: ignore[union-attr]
    delta_orders = (new is not None) - (old is not None)
    delta_spent = (new.total if new else Decimal(0)) - (old.total if old else Decimal(0))
    if delta_orders == 0 and delta_spent == 0:
        return
    await CustomerTotals.update_by_key(
        pk=f"CUSTOMER#{customer}",
        atomic=[
            CustomerTotals.customer.set(customer),
            CustomerTotals.orders.add(delta_orders),
            CustomerTotals.spent.add(delta_spent),
        ],
    )


@handler
async def main(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return await process_stream(event, on_change, Order, stop_on_failure=True)
