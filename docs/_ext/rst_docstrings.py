"""A griffe extension for the API reference: the package's docstrings are written in reStructuredText
habits (``literal``, :class:`Name`, ``.. code-block:: python`` and ``::`` literal blocks), which
mkdocstrings renders as Markdown. This rewrites those few constructs to Markdown at build time, so the
source keeps one docstring style and the site renders code as code."""

from __future__ import annotations

import re
import textwrap
from typing import Any

import griffe

ROLE = re.compile(r":(?:class|func|meth|mod|attr|exc|data|obj):`~?([^`]+)`")
LITERAL = re.compile(r"``([^`]+)``")


def _role(match: re.Match[str]) -> str:
    target = match.group(1)
    # `~a.b.C` shows `C`, as Sphinx would.
    shown = target.rsplit(".", 1)[-1] if match.group(0).split("`", 1)[1].startswith("~") else target
    return f"`{shown}`"


def _blocks(text: str) -> str:
    """Turns ``.. code-block:: python`` and paragraphs ending in ``::`` into fenced Python blocks."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        directive = stripped.startswith(".. code-block::")
        literal = stripped.endswith("::") and not directive
        if not (directive or literal):
            out.append(line)
            i += 1
            continue
        indent = len(line) - len(line.lstrip())
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        block: list[str] = []
        while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent):
            block.append(lines[j])
            j += 1
        while block and not block[-1].strip():
            block.pop()
        if not block:
            out.append(line)
            i += 1
            continue
        if literal:
            # "text::" reads "text:" once the block is shown.
            out.append(line.rstrip()[:-1])
            out.append("")
        pad = " " * indent
        out.append(f"{pad}```python")
        out.extend(pad + code if code else "" for code in textwrap.dedent("\n".join(block)).splitlines())
        out.append(f"{pad}```")
        out.append("")
        i = j
    return "\n".join(out)


GROUPED = re.compile(r"^(\s+)(\w+(?:\s*[,/]\s*\w+)+):(.*)$")


def _grouped_args(text: str) -> str:
    """``Args:`` entries written for several parameters at once (``a, b: text`` or ``a / b: text``)
    become one entry per parameter, each with the shared text, as the Google style expects."""
    lines = text.splitlines()
    out: list[str] = []
    in_args = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() in ("Args:", "Arguments:", "Parameters:"):
            in_args = True
        elif line.strip() and not line.startswith(" "):
            in_args = False
        match = GROUPED.match(line) if in_args else None
        if match is None:
            out.append(line)
            i += 1
            continue
        indent, names, first = match.groups()
        rest: list[str] = []
        i += 1
        while i < len(lines) and lines[i].strip() and len(lines[i]) - len(lines[i].lstrip()) > len(indent):
            rest.append(lines[i])
            i += 1
        for name in re.split(r"\s*[,/]\s*", names):
            out.append(f"{indent}{name}:{first}")
            out.extend(rest)
    return "\n".join(out)


def to_markdown(text: str) -> str:
    text = _blocks(_grouped_args(text))
    # Inline markup outside the fenced blocks only.
    parts = re.split(r"(```python\n.*?```)", text, flags=re.S)
    return "".join(
        part if part.startswith("```python") else LITERAL.sub(r"`\1`", ROLE.sub(_role, part))
        for part in parts
    )


class RestDocstrings(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)


class PublicApi(griffe.Extension):
    """A module with ``__all__`` shows only what it exports (and its pytest fixtures, which pytest finds
    by name): type variables, helpers and constants used across modules stay out of the reference."""

    def on_module_members(self, *, mod: griffe.Module, **kwargs: Any) -> None:
        if mod.exports is None:
            return
        exported = {e if isinstance(e, str) else e.name for e in mod.exports}
        for name, member in list(mod.members.items()):
            # Imports (aliases) are not rendered, and other modules may resolve through them.
            if name in exported or isinstance(member, griffe.Alias) or member.is_module:
                continue
            if not _is_fixture(member):
                mod.del_member(name)


def _is_fixture(member: griffe.Object | griffe.Alias) -> bool:
    return isinstance(member, griffe.Function) and any("fixture" in str(d.value) for d in member.decorators)
