"""The warning for a blocking ``sync_`` call made inside a running event loop."""

from __future__ import annotations

import os
import sys
import warnings
from contextvars import ContextVar

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

# Set while the pytest plugin seeds an embedded engine: those sync calls never leave the process
# (microseconds each), so they stall no loop worth warning about, even inside an async test.
in_process_setup: ContextVar[bool] = ContextVar("pydynox_in_process_setup", default=False)


def warn_blocking_call(operation: str) -> None:
    """Warns once per call site in user code (frames inside pydynox are skipped)."""
    if in_process_setup.get():
        return
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
    message = (
        f"a blocking pydynox sync_ call ({operation}) ran inside a running event loop and stalled it; "
        "await the async method instead"
    )
    if frame is None:
        warnings.warn(message, RuntimeWarning, stacklevel=2)
        return
    registry = frame.f_globals.setdefault("__warningregistry__", {})
    warnings.warn_explicit(
        message,
        RuntimeWarning,
        frame.f_code.co_filename,
        frame.f_lineno,
        module=frame.f_globals.get("__name__", "<unknown>"),
        registry=registry,
    )
