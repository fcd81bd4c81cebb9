"""Argument parsing and subcommand dispatch for ``embergrid``.

Owns the top-level parser and the mapping of subcommands to their modules. May import
anything in embergrid (cli is the top layer); subcommand modules are imported lazily so
``embergrid --help`` stays fast.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="embergrid",
        description=(
            "An Apache Ignite 2.x compatible data grid: a server speaking the Ignite "
            "thin-client protocol and a pyignite-compatible client."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser(
        "serve", help="run a node speaking the Ignite thin-client protocol"
    )
    add_serve_arguments(serve)
    sub.add_parser(
        "demo", help="start a node in-process and walk through the pyignite examples"
    )
    return parser


def add_serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s)",
    )
    p.add_argument(
        "--port",
        type=int,
        default=10800,
        help="thin-client port (default: %(default)s)",
    )
    p.add_argument(
        "--node-id",
        metavar="NAME",
        help="the node's consistent id (default: generated)",
    )
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        help="keep node state in DIR (default: memory only)",
    )
    p.add_argument(
        "--log-file", metavar="FILE", help="write the log to FILE (default: stderr)"
    )
    p.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="(default: %(default)s)",
    )
    p.add_argument(
        "--max-frame-size",
        type=int,
        default=64 * 1024 * 1024,
        metavar="BYTES",
        help="largest request frame accepted; a larger request is answered with "
        "an error and its bytes dropped as they come (a larger handshake closes "
        "the connection) (default: %(default)s)",
    )
    p.add_argument(
        "--max-cursors",
        type=int,
        default=128,
        metavar="N",
        help="open cursors per connection (default: %(default)s, as Ignite)",
    )
    p.add_argument(
        "--max-open-queries",
        type=int,
        default=64,
        metavar="N",
        help="SQL queries of more than one page kept open for their cursors, "
        "over all connections; each reads its rows as pages are asked for "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--handshake-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="close sockets that send no handshake in time "
        "(default: %(default)s, as Ignite)",
    )
    p.add_argument(
        "--idle-timeout",
        type=int,
        default=0,
        metavar="MILLISECONDS",
        help="close connections silent this long (nothing received or sent); "
        "clients learn it and send heartbeats (default: %(default)s = off, as "
        "Ignite's idleTimeout)",
    )
    p.add_argument(
        "--busy-poll",
        type=float,
        default=100.0,
        metavar="MICROSECONDS",
        help="after each request keep polling the sockets this long instead of "
        "sleeping, so a busy client's next request skips the CPU's wake-up "
        "(default: %(default)s; 0 = off)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        from embergrid.cli.serve import run_serve

        return run_serve(args)
    if args.command == "demo":
        from embergrid.cli.demo import run_demo

        return run_demo()
    parser.print_help()
    return 0
