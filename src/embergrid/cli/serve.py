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
import time

from embergrid.engine.membership import IdTaken, PersistenceMismatch
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
        handshake_timeout=args.handshake_timeout,
        busy_poll=args.busy_poll / 1e6,
        lease=args.failure_detection_timeout,
    )


async def _new_node(args: argparse.Namespace) -> Node:
    """The node, once it joined. While a node holds its consistent id, wait up
    to two leases: a killed predecessor's lease runs out, a live holder's not."""
    limits = _limits(args)
    give_up = time.time() + 2 * limits.lease
    while True:
        try:
            return Node(
                consistent_id=args.node_id,
                data_dir=args.data_dir,
                limits=limits,
                persistent=args.persistence,
            )
        except IdTaken as exc:
            if time.time() > give_up:
                raise
            wait = min(max(exc.until_ms / 1000 - time.time(), 0.0), limits.lease)
            log.info("waiting %.1f s for the lease of node %s", wait, args.node_id)
            await asyncio.sleep(wait + 0.05)


async def _serve(args: argparse.Namespace) -> None:
    # Signals first: a SIGTERM once the node has joined is a clean leave.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    node = await _new_node(args)
    try:
        server = Server(node)
        await server.start(args.host, args.port)
        try:
            print(
                f"embergrid node {node.consistent_id} listening on "
                f"{server.host}:{server.port}",
                flush=True,
            )
            log.info("node %s (uuid %s) started", node.consistent_id, node.node_id)
            await stop.wait()
        finally:
            log.info("shutting down")
            await server.close()
    finally:
        node.close()  # leaves the topology, also when it could not listen


def run_serve(args: argparse.Namespace) -> int:
    """Run the node described by ``args`` until a signal; the exit status."""
    if args.persistence and not args.data_dir:
        print("embergrid: --persistence needs --data-dir", file=sys.stderr)
        return 2
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
    except (IdTaken, PersistenceMismatch) as exc:
        print(
            f"embergrid: cannot join the cluster in {args.data_dir}: {exc}",
            file=sys.stderr,
        )
        return 1
    finally:
        loop.close()
    return 0
