"""Run ``moto.server`` as a child process on a loopback port.

A subprocess (rather than moto's in-process ``ThreadedMotoServer``) is used because the client
under test talks to DynamoDB over real HTTP from native code, and because a separate process can be
killed cleanly and can never share mock state with the test interpreter by accident.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

_LOOPBACK = "127.0.0.1"
_STOP_GRACE_SECONDS = 5.0


def free_port(host: str = _LOOPBACK) -> int:
    """Ask the kernel for an unused port (there is a small race until moto binds it; see ``start``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _answers_http(host: str, port: int) -> bool:
    """True once anything speaks HTTP on ``host:port`` (any status counts: the server is up)."""
    conn = http.client.HTTPConnection(host, port, timeout=1.0)
    try:
        conn.request("GET", "/moto-api/")
        conn.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


class MotoServer:
    """A moto server subprocess bound to 127.0.0.1 on a free port.

    ``start()`` blocks until the server answers HTTP; ``stop()`` kills its whole process group by pid
    and is safe to call more than once. Usable as a context manager.
    """

    def __init__(self, startup_timeout: float = 30.0) -> None:
        self._startup_timeout = startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._log_dir: Path | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        """Base URL to hand to SDK clients (``endpoint_url``)."""
        if self._port is None:
            raise RuntimeError("MotoServer is not running")
        return f"http://{_LOOPBACK}:{self._port}"

    @property
    def pid(self) -> int | None:
        """Pid of the server process (also its process-group id), or None when not started."""
        return None if self._proc is None else self._proc.pid

    @property
    def log_path(self) -> Path | None:
        """Where the child's stdout/stderr go while it runs (removed by ``stop``)."""
        return None if self._log_dir is None else self._log_dir / "moto.log"

    def start(self) -> Self:
        """Launch the server and wait until it serves HTTP.

        The port is picked before moto binds it, so another process may grab it in between; if the
        child dies early we retry a couple of times with a fresh port instead of failing the suite.
        """
        if self._proc is not None:
            raise RuntimeError("MotoServer already started")
        self._log_dir = Path(tempfile.mkdtemp(prefix="moto-server-"))
        last_error = ""
        for _attempt in range(3):
            self._spawn()
            error = self._wait_until_ready()
            if error is None:
                return self
            last_error = error
            self._kill()
        self._cleanup_logs()
        raise RuntimeError(last_error)

    def stop(self) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after 5 s) and remove its log. Idempotent."""
        self._kill()
        self._cleanup_logs()

    def reset(self) -> None:
        """Drop all mocked state (tables, items) via moto's ``/moto-api/reset`` endpoint."""
        conn = http.client.HTTPConnection(_LOOPBACK, self._require_port(), timeout=10.0)
        try:
            conn.request("POST", "/moto-api/reset", body=b"")
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"moto reset failed: HTTP {response.status} {body[:200]!r}")
        finally:
            conn.close()

    def log_tail(self, max_bytes: int = 4000) -> str:
        """Last bytes of the child's output, for error messages."""
        path = self.log_path
        if path is None or not path.exists():
            return ""
        data = path.read_bytes()[-max_bytes:]
        return data.decode("utf-8", errors="replace")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _require_port(self) -> int:
        if self._port is None:
            raise RuntimeError("MotoServer is not running")
        return self._port

    def _spawn(self) -> None:
        assert self.log_path is not None
        self._port = free_port()
        env = dict(os.environ)
        env.update(
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
            PYTHONUNBUFFERED="1",
        )
        self._log_file = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", _LOOPBACK, "-p", str(self._port)],
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )

    def _wait_until_ready(self) -> str | None:
        """Poll until HTTP answers; return None on success or an error message on failure."""
        assert self._proc is not None and self._port is not None
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return (
                    f"moto server exited early with code {self._proc.returncode}; "
                    f"log tail:\n{self.log_tail()}"
                )
            if _answers_http(_LOOPBACK, self._port):
                return None
            time.sleep(0.1)
        return (
            f"moto server did not answer on port {self._port} within {self._startup_timeout} s; "
            f"log tail:\n{self.log_tail()}"
        )

    def _kill(self) -> None:
        """Signal the child's process group by pid; the group exists because of start_new_session."""
        proc, self._proc = self._proc, None
        self._port = None
        # Only signal while the child is unreaped, so its pid cannot have been reused by anyone else.
        if proc is not None and proc.poll() is None:
            self._signal(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=_STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self._signal(proc.pid, signal.SIGKILL)
                proc.wait(timeout=_STOP_GRACE_SECONDS)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    @staticmethod
    def _signal(pid: int, sig: signal.Signals) -> None:
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def _cleanup_logs(self) -> None:
        if self._log_dir is not None:
            shutil.rmtree(self._log_dir, ignore_errors=True)
            self._log_dir = None
