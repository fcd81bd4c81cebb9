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
        idle_timeout=args.idle_timeout / 1000,
        busy_poll=args.busy_poll / 1e6,
    )


async def _serve(args: argparse.Namespace) -> None:
    node = Node(
        consistent_id=args.node_id, data_dir=args.data_dir, limits=_limits(args)
    )
    server = Server(node)
    await server.start(args.host, args.port)
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
    _setup_logging(args)
    loop = new_event_loop()
    try:
        loop.run_until_complete(_serve(args))
    except OSError as exc:
        print(
            f"embergrid: cannot listen on {args.host}:{args.port}: {exc}",
            file=sys.stderr,
        )
        return 1
    finally:
        loop.close()
    return 0
