"""``embergrid serve``: run one node until SIGINT/SIGTERM.

Owns ``run_serve(args)``: logging setup, building the ``Node`` from the parsed
flags, running the ``Server`` on uvloop (when it imports), printing
``embergrid node <id> listening on <host>:<port> (<version>, <store>, cluster
<state>)`` once connections are
accepted, and a clean shutdown (exit status 0) on SIGINT or SIGTERM; a node the
cluster removed while it did not run (segmented) stops with exit status 1. The
security flags (``--ssl-*``, ``--auth``) are checked here before anything
starts; a node listening beyond loopback without authentication or TLS says on
stderr what it exposes.
May import anything in embergrid (cli is the top layer).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import signal
import sqlite3
import ssl
import sys
import time

from embergrid.cli.main import AUTH_NEEDS_PERSISTENCE, package_version
from embergrid.cli.workers import Workers, watch_leader
from embergrid.engine.membership import IdTaken, PersistenceMismatch
from embergrid.server import Limits, Node, Server, new_event_loop
from embergrid.server.node import WorkerOf
from embergrid.server.tls import TlsConfig, server_context

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
        max_unread_events=args.max_unread_events,
        handshake_timeout=args.handshake_timeout,
        idle_timeout=args.idle_timeout / 1000,
        busy_poll=args.busy_poll / 1e6,
        lease=args.failure_detection_timeout,
    )


class _BadFlags(Exception):
    """The security flags do not make a node; the text says why."""


def _tls(args: argparse.Namespace) -> ssl.SSLContext | None:
    """The TLS context the flags ask for, or None (plaintext)."""
    others = [args.ssl_keyfile, args.ssl_cafile, args.ssl_keyfile_password]
    if args.ssl_certfile is None:
        if any(v is not None for v in others[:2]) or args.ssl_client_auth:
            raise _BadFlags("the --ssl-* flags need --ssl-certfile (TLS is off)")
        return None
    cfg = TlsConfig(
        args.ssl_certfile,
        args.ssl_keyfile,
        args.ssl_keyfile_password,
        args.ssl_cafile,
        args.ssl_client_auth,
    )
    try:
        return server_context(cfg)
    except ValueError as exc:
        raise _BadFlags(str(exc)) from None
    except OSError as exc:  # ssl.SSLError too: unreadable, mismatched, wrong password
        raise _BadFlags(f"cannot load the TLS certificate or key: {exc}") from None


def _exposure(host: str, tls: bool, auth: bool) -> str | None:
    """What a node on ``host`` exposes without TLS or authentication, or None
    when it listens on loopback only (or has both)."""
    if tls and auth:
        return None
    try:
        if host == "localhost" or ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass  # a host name: it may well resolve beyond this machine
    parts = []
    if not auth:
        parts.append(
            "without authentication (--auth): anyone who can reach it can read, "
            "change and delete every cache and table"
        )
    if not tls:
        parts.append(
            "without TLS (--ssl-certfile): keys, values, SQL and passwords cross "
            "the network in clear"
        )
    return (
        f"embergrid: WARNING: listening on {host or 'every address'} "
        + " and ".join(parts)
    )


def _start_line(args: argparse.Namespace, node: Node, server: Server) -> str:
    """``embergrid node <id> listening on <host>:<port> (<version>, <store>,
    cluster <state>)``: what a user (or a script) needs from a start."""
    if args.data_dir is None:
        store = "memory only"
    else:
        kind = "persistent" if args.persistence else "in memory while a node lives"
        store = f"data dir {args.data_dir}, {kind}"
    state = node.engine.cluster.state().name
    return (
        f"embergrid node {node.consistent_id} listening on {server.host}:"
        f"{server.port} (embergrid {package_version()}, {store}, cluster {state})"
    )


class _CannotStart(Exception):
    """A start-up failure to report in one line (no traceback)."""


class _Segmented(Exception):
    """The cluster removed this node while it did not run: it stopped."""

    def __init__(self, consistent_id: str) -> None:
        super().__init__(
            f"node {consistent_id} stopped: the cluster removed it while it did not"
            " run (segmented: it was stopped or stalled for longer than the"
            " failure-detection timeout)"
        )


async def _new_node(args: argparse.Namespace) -> Node:
    """The node, once it joined. While a node holds its consistent id, wait up
    to two leases: a killed predecessor's lease runs out, a live holder's not."""
    limits = _limits(args)
    if args.worker_of is not None:  # a process of a node another one started
        return Node(
            data_dir=args.data_dir,
            limits=limits,
            persistent=args.persistence,
            auth=args.auth,
            worker_of=WorkerOf.parse(args.worker_of),
        )
    give_up = time.time() + 2 * limits.lease
    while True:
        try:
            return Node(
                consistent_id=args.node_id,
                data_dir=args.data_dir,
                limits=limits,
                persistent=args.persistence,
                auth=args.auth,
            )
        except IdTaken as exc:
            if time.time() > give_up:
                raise
            wait = min(max(exc.until_ms / 1000 - time.time(), 0.0), limits.lease)
            log.info("waiting %.1f s for the lease of node %s", wait, args.node_id)
            await asyncio.sleep(wait + 0.05)


async def _serve(args: argparse.Namespace, tls: ssl.SSLContext | None) -> None:
    # Signals first: a SIGTERM once the node has joined is a clean leave, and a
    # signal right after the listening line stops the node.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        node = await _new_node(args)
    except (OSError, sqlite3.Error) as exc:
        where = args.data_dir or "a private memory-backed store"
        raise _CannotStart(f"cannot use the data dir {where}: {exc}") from None
    leader = args.worker_of is None
    workers = Workers(args.workers if leader else 1)
    watcher: asyncio.Task[None] | None = None
    try:
        server = Server(node, tls)
        try:
            await server.start(args.host, args.port, reuse_port=args.workers > 1)
        except OSError as exc:
            raise _CannotStart(
                f"cannot listen on {args.host}:{args.port}: {exc}"
            ) from None
        try:
            try:
                await workers.start(node, server.port, sys.argv[1:])
            except (OSError, RuntimeError) as exc:
                raise _CannotStart(str(exc)) from None
            warning = _exposure(args.host, tls is not None, args.auth)
            if warning is not None and leader:
                print(warning, file=sys.stderr, flush=True)
            print(_start_line(args, node, server), flush=True)
            log.info("node %s (uuid %s) started", node.consistent_id, node.node_id)
            node.on_segmented = lambda: _wake(loop, stop)
            if node.segmented.is_set():
                stop.set()
            if not leader:
                watcher = asyncio.create_task(watch_leader(stop))
            await stop.wait()
        finally:
            log.info("shutting down")
            if watcher is not None:
                watcher.cancel()
            await workers.stop()
            await server.close()
    finally:
        node.close()  # leaves the topology, also when it could not listen
    if node.segmented.is_set():
        raise _Segmented(node.consistent_id)


def _wake(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Set ``stop`` from another thread."""
    loop.call_soon_threadsafe(stop.set)


def run_serve(args: argparse.Namespace) -> int:
    """Run the node described by ``args`` until a signal; the exit status."""
    try:
        if args.persistence and not args.data_dir:
            raise _BadFlags("--persistence needs --data-dir")
        if args.auth and not args.persistence:
            raise _BadFlags(AUTH_NEEDS_PERSISTENCE)
        tls = _tls(args)
    except _BadFlags as exc:
        print(f"embergrid serve: {exc}", file=sys.stderr)
        return 2
    try:
        _setup_logging(args)
    except OSError as exc:
        print(f"embergrid: cannot write the log file: {exc}", file=sys.stderr)
        return 1
    loop = new_event_loop()
    try:
        loop.run_until_complete(_serve(args, tls))
    except _CannotStart as exc:
        print(f"embergrid: {exc}", file=sys.stderr)
        return 1
    except _Segmented as exc:
        print(f"embergrid: {exc}", file=sys.stderr)
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
