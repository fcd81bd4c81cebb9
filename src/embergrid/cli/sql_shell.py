"""``embergrid sql``: an SQL shell for embergrid and Apache Ignite nodes.

Owns the shell: reading statements (interactive with history and multi-line
statements ended by ``;``, or from ``-e`` / ``-f`` / a pipe), running them
through the thin-client SQL op with our ``Client``, and printing the rows as an
aligned table, CSV or JSON lines. Backslash commands list what the node holds
from its cache configurations (so they work on any Ignite node): ``\\caches``,
``\\tables``, ``\\columns TABLE``; ``\\q`` quits. Imports the client only,
and only when it runs (the parser's arguments are built without it, so
``embergrid serve`` loads no client).

Non-interactive runs stop at the first failing statement (exit status 1);
interactive ones report the error and go on; Ctrl-C drops the statement being
typed, Ctrl-D ends the shell.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from embergrid.datatypes.prop_codes import PROP_QUERY_ENTITIES, PROP_SQL_SCHEMA
from embergrid.errors import IgniteError, connection_errors

if TYPE_CHECKING:
    from embergrid.client.sync.client import Client

__all__ = ["add_sql_arguments", "run_sql", "split_statements"]

HISTORY = Path("~/.embergrid_sql_history").expanduser()
PROMPT, MORE = "embergrid> ", "      ...> "


def add_sql_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="(default: %(default)s)")
    p.add_argument("--port", type=int, default=10800, help="(default: %(default)s)")
    p.add_argument("--schema", default="PUBLIC", help="(default: %(default)s)")
    p.add_argument("--username", help="user name, for a node with authentication")
    p.add_argument("--password", help="password, for a node with authentication")
    p.add_argument(
        "-e", "--execute", metavar="SQL", help="run these statements, then exit"
    )
    p.add_argument(
        "-f", "--file", metavar="FILE", help="run the statements of FILE, then exit"
    )
    p.add_argument(
        "--format",
        choices=["table", "csv", "json"],
        default="table",
        help="how rows are printed (default: %(default)s)",
    )


def run_sql(args: argparse.Namespace) -> int:
    from embergrid import Client  # here: `embergrid serve` loads no client

    client = Client(username=args.username, password=args.password)
    try:
        client.connect(args.host, args.port)
    except (IgniteError, *connection_errors) as exc:
        print(
            f"embergrid sql: cannot connect to {args.host}:{args.port}: {exc}",
            file=sys.stderr,
        )
        return 1
    shell = Shell(client, args.schema, args.format, sys.stdout)
    try:
        if args.execute is not None:
            return shell.run_script(args.execute)
        if args.file is not None:
            return shell.run_script(Path(args.file).read_text())
        if not sys.stdin.isatty():
            return shell.run_script(sys.stdin.read())
        return shell.interact()
    finally:
        client.close()


def split_statements(text: str) -> tuple[list[str], str]:
    """The complete statements of ``text`` (each ended by a ``;`` outside quotes
    and comments) and what follows the last one."""
    done: list[str] = []
    start, i, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"":
            end = text.find(ch, i + 1)
            while end != -1 and text[end + 1 : end + 2] == ch:  # a doubled quote
                end = text.find(ch, end + 2)
            i = n if end == -1 else end + 1
            continue
        if text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end == -1 else end + 1
            continue
        if ch == ";":
            stmt = text[start:i].strip()
            if stmt:
                done.append(stmt)
            start = i + 1
        i += 1
    return done, text[start:]


class Shell:
    """Statements in, rows out."""

    def __init__(self, client: Client, schema: str, fmt: str, out: TextIO) -> None:
        self.client = client
        self.schema = schema
        self.fmt = fmt
        self.out = out

    # -- inputs --------------------------------------------------------------------

    def run_script(self, text: str) -> int:
        """Every statement and command of ``text``; stops at the first error."""
        for item in _items(text):
            if not self.run(item):
                return 1
        return 0

    def interact(self) -> int:
        _load_history()
        self.out.write(
            "embergrid sql: end statements with ';', \\help for commands, "
            "\\q or Ctrl-D to quit\n"
        )
        buffer = ""
        while True:
            try:
                line = input(MORE if buffer.strip() else PROMPT)
            except EOFError:
                self.out.write("\n")
                break
            except KeyboardInterrupt:
                self.out.write("\n")
                buffer = ""
                continue
            if not buffer.strip() and line.strip().startswith("\\"):
                if line.strip() in ("\\q", "\\quit"):
                    break
                self.run(line.strip())
                continue
            buffer += line + "\n"
            statements, buffer = split_statements(buffer)
            for stmt in statements:
                self.run(stmt)
        _save_history()
        return 0

    # -- one statement or command ------------------------------------------------------

    def run(self, item: str) -> bool:
        """Run a statement or a backslash command; False if it failed."""
        try:
            if item.startswith("\\"):
                self._command(item)
            else:
                self._statement(item)
        except (IgniteError, *connection_errors) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return False
        return True

    def _statement(self, sql: str) -> None:
        with self.client.sql(sql, schema=self.schema, include_field_names=True) as cur:
            names = [str(n) for n in next(cur)]
            self._print(names, (list(r) for r in cur))

    def _command(self, line: str) -> None:
        name, _, rest = line.partition(" ")
        if name == "\\caches":
            self._print(["CACHE"], ([n] for n in sorted(self.client.get_cache_names())))
        elif name == "\\tables":
            rows = [[t["schema"], t["table"], t["cache"]] for t in self._tables()]
            self._print(["SCHEMA", "TABLE", "CACHE"], iter(rows))
        elif name == "\\columns" and rest.strip():
            want = rest.strip().upper()
            found = [t for t in self._tables() if t["table"].upper() == want]
            if not found:
                raise IgniteError(f"no table {rest.strip()!r}")
            rows = [[f["name"], f["type_name"]] for t in found for f in t["fields"]]
            self._print(["COLUMN", "TYPE"], iter(rows))
        elif name in ("\\help", "\\?"):
            self.out.write(
                "\\caches           the node's caches\n"
                "\\tables           SQL tables (schema, table, cache)\n"
                "\\columns TABLE    a table's columns and their Java types\n"
                "\\q                quit\n"
            )
        else:
            raise IgniteError(f"unknown command {line!r} (\\help lists them)")

    def _tables(self) -> list[dict[str, Any]]:
        tables = []
        for cache_name in sorted(self.client.get_cache_names()):
            settings = self.client.get_cache(cache_name).settings
            schema = (settings.get(PROP_SQL_SCHEMA) or cache_name).strip('"')
            for entity in settings.get(PROP_QUERY_ENTITIES) or []:
                tables.append(
                    {
                        "schema": schema,
                        "table": entity.get("table_name") or "",
                        "cache": cache_name,
                        "fields": entity.get("query_fields") or [],
                    }
                )
        return tables

    # -- output ------------------------------------------------------------------------

    def _print(self, names: list[str], rows: Iterator[list[Any]]) -> None:
        if self.fmt == "csv":
            writer = csv.writer(self.out, lineterminator="\n")
            writer.writerow(names)
            writer.writerows([_cell(v) for v in row] for row in rows)
        elif self.fmt == "json":
            for row in rows:
                record = dict(zip(names, row, strict=True))
                self.out.write(json.dumps(record, default=str) + "\n")
        else:
            self.out.write(_table(names, [[_cell(v) for v in row] for row in rows]))
        self.out.flush()


def _items(text: str) -> Iterable[str]:
    """Backslash commands (a line each) and statements, in order."""
    pending = ""
    for line in text.splitlines(keepends=True):
        if not pending.strip() and line.strip().startswith("\\"):
            yield line.strip()
            continue
        pending += line
        statements, pending = split_statements(pending)
        yield from statements
    last = pending.strip()
    if last and not last.startswith("--"):
        yield last  # a last statement without ';'


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return str(value)


def _table(names: list[str], rows: list[list[str]]) -> str:
    widths = [len(n) for n in names]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = [
        " | ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip(),
        "-+-".join("-" * w for w in widths),
    ]
    for row in rows:
        cells = (
            c.rjust(w) if _numeric(c) else c.ljust(w)
            for c, w in zip(row, widths, strict=True)
        )
        lines.append(" | ".join(cells).rstrip())
    count = len(rows)
    lines.append(f"({count} row{'' if count == 1 else 's'})")
    return "\n".join(lines) + "\n"


def _numeric(cell: str) -> bool:
    body = cell.lstrip("-")
    return bool(body) and body.replace(".", "", 1).isdigit()


def _load_history() -> None:
    try:
        import readline
    except ImportError:  # pragma: no cover - readline is there on POSIX
        return
    if HISTORY.exists():
        readline.read_history_file(HISTORY)
    readline.set_history_length(1000)


def _save_history() -> None:
    try:
        import readline
    except ImportError:  # pragma: no cover
        return
    with contextlib.suppress(OSError):
        readline.write_history_file(HISTORY)
