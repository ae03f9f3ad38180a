"""The ``pydynox`` command: ``pydynox local`` serves the embedded DynamoDB engine over HTTP."""

from __future__ import annotations

import argparse
import ctypes
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pydynox", description="pydynox tools")
    commands = parser.add_subparsers(dest="command", required=True)
    local = commands.add_parser(
        "local",
        help="serve a local DynamoDB-compatible endpoint",
        description="Serve pydynox's embedded DynamoDB engine over HTTP (the DynamoDB JSON protocol), "
        "for boto3, the AWS CLI and any SDK. Binds loopback unless told otherwise.",
    )
    local.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    local.add_argument(
        "--port", type=int, default=8000, help="port to bind, 0 for any free one (default 8000)"
    )
    local.add_argument(
        "--data-dir",
        default=None,
        help="keep the data in this directory: every acknowledged write is fsynced to a log "
        "before it is answered, and replayed on start (default: memory only)",
    )
    return parser


# Linux's prctl option that turns transparent huge pages off for the calling process.
_PR_SET_THP_DISABLE = 41


def _no_transparent_huge_pages() -> None:
    """The server keeps every item it stores, so its memory grows with every write, and each new
    page is zeroed by the kernel inside the request that first touches it. When the core's allocator
    (mimalloc) still asked for transparent huge pages, a 2 MB page zeroed (or compacted for) inside
    one request made a 25-item batch write cost 130 - 140 µs of server CPU instead of about 80, and a
    put 20 instead of 15 (benchmarks/README.md). It no longer asks, but a system whose THP setting is
    "always" gives huge pages to any large mapping. Only this process, a server, is tuned; Linux only."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None).prctl(_PR_SET_THP_DISABLE, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(f"pydynox local: --port must be between 0 and 65535, got {args.port}", file=sys.stderr)
        return 2
    from pydynox.local import serve  # the extension loads only for the command that needs it

    _no_transparent_huge_pages()

    try:
        server = serve(args.host, args.port, data_dir=args.data_dir)
    except OSError as exc:
        print(f"pydynox local: {exc}", file=sys.stderr)
        return 1
    stopping = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    where = f" (data in {args.data_dir})" if args.data_dir else " (in memory)"
    print(f"pydynox local: listening on {server.endpoint_url}{where}", flush=True)
    while not stopping.wait(0.2):
        pass
    server.stop()
    if args.data_dir:
        server.engine.compact()
    print("pydynox local: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
