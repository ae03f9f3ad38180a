"""Values: what Python values become in DynamoDB and come back as; what is refused before sending."""

import asyncio

# --8<-- [start:setup]
from decimal import Decimal

from pydynox import DynamoDBClient

client = DynamoDBClient(region="us-east-1")
# --8<-- [end:setup]


async def main() -> None:
    # --8<-- [start:round-trip]
    await client.create_table("values_demo", partition_key=("pk", "S"), wait=True)

    item = {
        "pk": "exact",
        "pi": Decimal("3.1415926535897932384626433832795028841"),  # 38 digits, all kept
        "big": 10**37,
        "tags": {"admin", "beta"},  # stored as SS, not a list
        "scores": {1, Decimal("2.5")},  # NS
        "nested": {"list": [1, "two", None, b"\x00"]},
    }
    await client.put_item("values_demo", item)
    assert await client.get_item("values_demo", {"pk": "exact"}) == item

    await client.put_item("values_demo", {"pk": "float", "ratio": 0.1})  # sent as "0.1"
    stored = await client.get_item("values_demo", {"pk": "float"})
    assert stored["ratio"] == Decimal("0.1")  # a raw read never turns a number into a float
    # --8<-- [end:round-trip]

    # --8<-- [start:refused]
    refused = [
        ({"pk": "x", "profile": {"when": object()}}, TypeError, "attribute 'profile.when'"),
        ({"pk": "x", "tags": set()}, ValueError, "empty sets"),
        ({"pk": "x", "n": Decimal("1" * 39)}, ValueError, "39 significant digits"),
        ({"pk": "x", "n": float("nan")}, ValueError, "NaN"),
    ]
    for bad_item, error, message in refused:
        try:
            await client.put_item("values_demo", bad_item)
            raise AssertionError(f"{bad_item} was accepted")
        except error as exc:
            assert message in str(exc), exc
    assert await client.get_item("values_demo", {"pk": "x"}) is None  # nothing was sent
    await client.delete_table("values_demo")
    # --8<-- [end:refused]


if __name__ == "__main__":
    asyncio.run(main())
