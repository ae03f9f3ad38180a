"""PartiQL statements lose every literal before they become ``db.query.text``; names stay."""

from __future__ import annotations

import pytest
from pydynox_otel.partiql import sanitize_statement


@pytest.mark.parametrize(
    ("statement", "sanitized"),
    [
        ('SELECT * FROM "users" WHERE pk = ?', 'SELECT * FROM "users" WHERE pk = ?'),
        ("SELECT * FROM users WHERE pk = 'USER#1'", "SELECT * FROM users WHERE pk = ?"),
        ("SELECT * FROM users WHERE pk = 'it''s' AND n > 42", "SELECT * FROM users WHERE pk = ? AND n > ?"),
        ("UPDATE t SET n = -1.5e3 WHERE pk = 'a'", "UPDATE t SET n = ? WHERE pk = ?"),
        ("INSERT INTO t VALUE {'pk': 'a', 'n': 7}", "INSERT INTO t VALUE {?: ?, ?: ?}"),
        ("SELECT * FROM t WHERE b = `{{aGVsbG8=}}`", "SELECT * FROM t WHERE b = ?"),
        # Digits inside names, quoted names with quotes and digits, and index paths stay as written.
        ('SELECT a2, "col 7", "say ""hi"" 3" FROM t2 WHERE x.y1 = ?', None),
        ("SELECT * FROM t.idx1 WHERE tags[0] = 'x'", "SELECT * FROM t.idx1 WHERE tags[?] = ?"),
    ],
)
def test_literals_become_placeholders(statement: str, sanitized: str | None) -> None:
    assert sanitize_statement(statement) == (statement if sanitized is None else sanitized)
