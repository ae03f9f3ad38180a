"""Reading items back with boto3, to check what DynamoDB really holds (types included)."""

from __future__ import annotations

from typing import Any


def raw_item(boto: Any, table: str, pk: str = "u1", **more_key: str) -> dict[str, Any] | None:
    """The stored item (DynamoDB JSON, e.g. ``{"tags": {"SS": [...]}}``) with string key ``pk`` (and
    ``sk=...`` etc.), read consistently; None when there is none."""
    key = {name: {"S": value} for name, value in {"pk": pk, **more_key}.items()}
    out = boto.get_item(TableName=table, Key=key, ConsistentRead=True)
    return out.get("Item")
