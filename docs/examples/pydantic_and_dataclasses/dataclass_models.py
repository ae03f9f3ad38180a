"""DataclassModel: a standard dataclass stored in DynamoDB, with every model feature."""

import asyncio

# --8<-- [start:model]
import dataclasses
from decimal import Decimal
from typing import Annotated

from pydynox import DynamoDBClient, set_default_client
from pydynox.dataclass import DataclassModel, PartitionKey  # the same markers, without pydantic
from pydynox.hooks import before_save

set_default_client(DynamoDBClient(region="us-east-1"))


class Order(DataclassModel, table="pyd_orders", kw_only=True):
    pk: Annotated[str, PartitionKey()]
    total: Decimal = Decimal(0)
    lines: list[str] = dataclasses.field(default_factory=list)

    @before_save
    def check(self) -> None:
        if self.total < 0:
            raise ValueError("negative total")


# --8<-- [end:model]


async def main() -> None:
    # --8<-- [start:use]
    await Order.create_table(wait=True)
    order = Order(pk="O#1", total=Decimal("9.90"), lines=["lamp"])
    await order.save()
    assert dataclasses.is_dataclass(order)
    assert [f.name for f in dataclasses.fields(Order)] == ["pk", "total", "lines"]

    loaded = await Order.get(pk="O#1")
    assert loaded == order  # dataclass equality: field by field
    assert dataclasses.asdict(loaded) == {"pk": "O#1", "total": Decimal("9.9"), "lines": ["lamp"]}
    loaded.lines.append("bulb")
    await loaded.save()  # a smart save, as with Model
    assert (await Order.get(pk="O#1")).lines == ["lamp", "bulb"]
    assert [o.pk async for o in Order.scan(filter_condition=Order.total > 5)] == ["O#1"]
    # --8<-- [end:use]


if __name__ == "__main__":
    asyncio.run(main())
