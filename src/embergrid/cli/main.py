"""Argument parsing and subcommand dispatch for ``embergrid``.

Owns the top-level parser. May import anything in embergrid (cli is the top layer).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="embergrid",
        description="An Apache Ignite 2.x compatible data grid: server, client and tools.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("serve", help="run a node speaking the Ignite thin-client protocol")
    sub.add_parser("demo", help="walk through the pyignite examples")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    print(f"embergrid {args.command}: not yet")
    return 1
