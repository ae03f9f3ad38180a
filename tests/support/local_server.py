"""``pydynox local`` as a child process on a free loopback port (for tests that kill or signal the
server, and for benchmarks that must not share a process with the server)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from support.moto_server import free_port

__all__ = ["local_process"]


@contextmanager
def local_process(
    *args: str,
    start_timeout: float = 20.0,
    env: dict[str, str] | None = None,
    python: str | None = None,
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Starts ``pydynox local --port P *args`` (with ``env`` added to the environment) under
    ``python`` (default: this interpreter); yields the process and its URL; kills it afterwards."""
    port = free_port()
    proc = subprocess.Popen(
        [python or sys.executable, "-m", "pydynox.cli", "local", "--port", str(port), *args],
        env={**os.environ, **env} if env else None,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    if proc.poll() is None:
                        proc.kill()
                    stderr = proc.stderr.read() if proc.stderr else ""
                    raise RuntimeError(f"pydynox local did not start: {stderr}") from None
                time.sleep(0.05)
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()
