"""``embergrid serve``: run one node until SIGINT/SIGTERM.

Owns ``run_serve(args)``: logging setup, building the ``Node`` from the parsed
flags, running the ``Server`` on uvloop (when it imports), printing
``embergrid node <id> listening on <host>:<port>`` once connections are
accepted, and a clean shutdown (exit status 0) on SIGINT or SIGTERM.
May import anything in embergrid (cli is the top layer).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sqlite3
import sys

from embergrid.server import Limits, Node, Server, new_event_loop

__all__ = ["run_serve"]

log = logging.getLogger("embergrid.server")


def _setup_logging(args: argparse.Namespace) -> None:
    handler: logging.Handler = (
        logging.FileHandler(args.log_file) if args.log_file else logging.StreamHandler()
    )
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger("embergrid")
    root.addHandler(handler)
    root.setLevel(args.log_level)


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(
        max_frame_size=args.max_frame_size,
        max_cursors=args.max_cursors,
        max_open_queries=args.max_open_queries,
        handshake_timeout=args.handshake_timeout,
        busy_poll=args.busy_poll / 1e6,
    )


class _CannotStart(Exception):
    """A start-up failure to report in one line (no traceback)."""


async def _serve(args: argparse.Namespace) -> None:
    try:
        node = Node(
            consistent_id=args.node_id, data_dir=args.data_dir, limits=_limits(args)
        )
    except (OSError, sqlite3.Error) as exc:
        where = args.data_dir or "a private memory-backed store"
        raise _CannotStart(f"cannot use the data dir {where}: {exc}") from None
    server = Server(node)
    try:
        await server.start(args.host, args.port)
    except OSError as exc:
        node.close()
        raise _CannotStart(f"cannot listen on {args.host}:{args.port}: {exc}") from None
    print(
        f"embergrid node {node.consistent_id} listening on {server.host}:{server.port}",
        flush=True,
    )
    log.info("node %s (uuid %s) started", node.consistent_id, node.node_id)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        await server.close()
        node.close()


def run_serve(args: argparse.Namespace) -> int:
    """Run the node described by ``args`` until a signal; the exit status."""
    try:
        _setup_logging(args)
    except OSError as exc:
        print(f"embergrid: cannot write the log file: {exc}", file=sys.stderr)
        return 1
    loop = new_event_loop()
    try:
        loop.run_until_complete(_serve(args))
    except _CannotStart as exc:
        print(f"embergrid: {exc}", file=sys.stderr)
        return 1
    finally:
        loop.close()
    return 0
