"""Checked by mypy --strict in test_lambda_typing.py: the decorators keep handler signatures."""

from __future__ import annotations

from typing import Any, assert_type

from pydynox_lambda import (
    IdempotencyStore,
    Invocation,
    StreamRecord,
    current_invocation,
    decode_record,
    handler,
    idempotent,
)


@handler
async def async_main(event: dict[str, Any], context: object) -> int:
    return 1


@handler(region="us-east-1", deadline_margin=0.5)
def sync_main(event: dict[str, Any], context: object) -> str:
    return "ok"


@handler
@idempotent(store=IdempotencyStore("idempotency"))
async def idempotent_main(event: dict[str, Any], context: object) -> list[str]:
    return []


assert_type(async_main({}, None), int)  # an async handler becomes a plain function Lambda can call
assert_type(sync_main({}, None), str)
assert_type(idempotent_main({}, None), list[str])
sync_main({}, None, "extra")  # type: ignore[call-arg]
assert_type(current_invocation(), Invocation | None)
assert_type(decode_record({}), StreamRecord[dict[str, Any]])
