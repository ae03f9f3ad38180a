"""PartiQL statements with every literal replaced by ``?``.

``db.query.text`` must not carry values. A statement written with ``?`` parameters has none, but
nothing stops a caller from writing ``WHERE pk = 'USER#1'``; the conventions ask instrumentations to
replace such literals, and that is what :func:`sanitize_statement` does: string literals (``'...'``,
with ``''`` as the escaped quote), Ion literals (`` `...` ``) and numbers become ``?``. Quoted
identifiers (``"my table"``) are names, not values, and stay as written.
"""

from __future__ import annotations

import re

_TOKENS = re.compile(
    r"""
    (?P<identifier>"(?:[^"]|"")*")           # a quoted name: kept
    | '(?:[^']|'')*'                         # a string literal
    | `[^`]*`                                # an Ion literal
    | (?<![\w.])[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?(?!\w)   # a number, not part of a name
    """,
    re.VERBOSE,
)


def sanitize_statement(statement: str) -> str:
    """``statement`` with its string, Ion and number literals replaced by ``?``."""
    return _TOKENS.sub(lambda m: m.group("identifier") or "?", statement)
