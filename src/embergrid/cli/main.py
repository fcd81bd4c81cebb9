"""Argument parsing and subcommand dispatch for ``embergrid``.

Owns the top-level parser and the mapping of subcommands to their modules. May import
anything in embergrid (cli is the top layer); subcommand modules are imported lazily so
``embergrid --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
from collections.abc import Mapping, Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="embergrid",
        description=(
            "An Apache Ignite 2.x compatible data grid: a server speaking the Ignite "
            "thin-client protocol and a pyignite-compatible client."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"embergrid {package_version()}"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser(
        "serve",
        help="run a node speaking the Ignite thin-client protocol",
        epilog="Every flag can also be set by an environment variable: "
        "EMBERGRID_ and the flag's name in capitals, dashes as underscores "
        "(EMBERGRID_PORT=10900, EMBERGRID_DATA_DIR=/var/lib/embergrid); "
        "a flag on the command line wins.",
    )
    add_serve_arguments(serve)
    _defaults_from_environment(serve, os.environ)
    cluster = sub.add_parser(
        "cluster",
        help="run N nodes on one data dir as one local cluster",
        description="Start N `embergrid serve` nodes on ports PORT..PORT+N-1 with "
        "consistent ids NAME-0..NAME-(N-1) on one data dir, restart a node that "
        "dies, prefix each output line with its node, stop them all on Ctrl-C. "
        "Every other flag goes to each node unchanged.",
    )
    cluster.add_argument(
        "--nodes", type=int, default=3, metavar="N", help="(default: %(default)s)"
    )
    add_serve_arguments(cluster)
    _defaults_from_environment(cluster, os.environ)
    sub.add_parser(
        "demo", help="start a node in-process and walk through the pyignite examples"
    )
    from embergrid.cli.sql_shell import add_sql_arguments

    add_sql_arguments(
        sub.add_parser(
            "sql", help="an SQL shell for an embergrid or Apache Ignite node"
        )
    )
    return parser


def _defaults_from_environment(
    p: argparse.ArgumentParser, environ: Mapping[str, str]
) -> None:
    """``EMBERGRID_<FLAG>`` variables as the flags' defaults (as containers set
    them); argparse converts and checks a string default as it does the flag."""
    for action in p._actions:
        if not action.option_strings or action.dest == "help":
            continue
        value = environ.get("EMBERGRID_" + action.dest.upper())
        if value is None:
            continue
        if action.nargs == 0:  # a switch: true or false
            action.default = value.strip().lower() in ("1", "true", "yes", "on")
        else:
            action.default = value


def package_version() -> str:
    """embergrid's installed version."""
    try:
        return importlib.metadata.version("embergrid")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree
        return "unknown"


def _positive_int(text: str) -> int:
    """A whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def _port(text: str) -> int:
    """A TCP port number (0 = any free port)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is not in 0..65535")
    return port


AUTH_NEEDS_PERSISTENCE = (
    "--auth needs --persistence (and --data-dir): users must outlive a full "
    'restart, as Ignite requires ("Authentication can be enabled only for cluster '
    'with enabled persistence. Check the DataRegionConfiguration")'
)
"""Why ``--auth`` without ``--persistence`` makes no node (serve and cluster)."""


def add_serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s, this machine only; "
        "another address without --auth and TLS prints a warning)",
    )
    p.add_argument(
        "--port",
        type=_port,
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
        help="the cluster's store: every node started on one DIR is one cluster "
        "sharing caches, data, SQL tables and transactions (default: none, a "
        "cluster of one in memory). Without --persistence the data lives as long "
        "as one node of the cluster does: the first node to start empties DIR",
    )
    p.add_argument(
        "--persistence",
        action="store_true",
        help="Ignite's native persistence (needs --data-dir): data survives full "
        "restarts; a new persistent cluster starts INACTIVE until activated, a "
        "restarted one resumes its last state",
    )
    p.add_argument(
        "--failure-detection-timeout",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="a node that stops renewing its lease (killed, frozen) leaves the "
        "topology after this long plus a quarter of it (default: %(default)s)",
    )
    p.add_argument(
        "--log-file", metavar="FILE", help="write the log to FILE (default: stderr)"
    )
    p.add_argument(
        "--log-level",
        default="INFO",
        type=str.upper,
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
        "--max-unread-events",
        type=int,
        default=1_000_000,
        metavar="N",
        help="close the connection of a continuous query that leaves more events "
        "unread (default: %(default)s; 0 = no bound)",
    )
    p.add_argument(
        "--handshake-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="close sockets that send no handshake in time "
        "(default: %(default)s, as Ignite)",
    )
    _add_security_arguments(p)
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
        "--workers",
        type=_positive_int,
        default=1,
        metavar="N",
        help="serve the node from N processes sharing its port and store, to use "
        "N cores; clients and the cluster see one node (default: %(default)s)",
    )
    p.add_argument("--worker-of", help=argparse.SUPPRESS)
    p.add_argument(
        "--busy-poll",
        type=float,
        default=100.0,
        metavar="MICROSECONDS",
        help="after each request keep polling the sockets this long instead of "
        "sleeping, so a busy client's next request skips the CPU's wake-up "
        "(default: %(default)s; 0 = off)",
    )


def _server_installed() -> bool:
    """Whether the server's dependencies (the ``[server]`` extra) are installed;
    says how to get them when they are not."""
    try:
        import sqlglot  # noqa: F401
    except ImportError:
        pass
    else:
        return True
    print(
        "embergrid: the server needs the [server] extra: "
        "pip install 'embergrid[server]'",
        file=sys.stderr,
    )
    return False


def _add_security_arguments(p: argparse.ArgumentParser) -> None:
    tls = p.add_argument_group(
        "TLS on the client port (TLS 1.2 or later; PEM files)",
        "With --ssl-certfile the port speaks TLS only: a plaintext client gets a "
        "closed connection.",
    )
    tls.add_argument(
        "--ssl-certfile",
        metavar="FILE",
        help="the server's certificate (chain), PEM; turns TLS on",
    )
    tls.add_argument(
        "--ssl-keyfile",
        metavar="FILE",
        help="its private key, PEM (default: read from --ssl-certfile)",
    )
    tls.add_argument(
        "--ssl-keyfile-password",
        metavar="PASSWORD",
        default=os.environ.get("EMBERGRID_SSL_KEYFILE_PASSWORD"),
        help="password of an encrypted key file (default: the environment "
        "variable EMBERGRID_SSL_KEYFILE_PASSWORD, which other local users cannot "
        "see in the process list)",
    )
    tls.add_argument(
        "--ssl-cafile",
        metavar="FILE",
        help="CA certificates that client certificates must be signed by, PEM",
    )
    tls.add_argument(
        "--ssl-client-auth",
        action="store_true",
        help="require a client certificate signed by --ssl-cafile",
    )
    p.add_argument(
        "--auth",
        action="store_true",
        help="require a user name and password in every handshake (Ignite's "
        "authenticationEnabled). Needs --persistence, as on Ignite (a node without "
        "it refuses to start): users live in the store and outlive full restarts. "
        "The first start creates the user ignite with password ignite; a new "
        "persistent cluster starts INACTIVE, so log in as ignite and activate it "
        "(set_state(ClusterState.ACTIVE)) before using caches, SQL or CREATE USER. "
        "Manage users with CREATE USER, ALTER USER ... WITH PASSWORD and DROP USER "
        "in SQL, logged in as ignite",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in ("serve", "demo") and not _server_installed():
        return 2
    if args.command == "serve":
        from embergrid.cli.serve import run_serve

        return run_serve(args)
    if args.command == "cluster":
        from embergrid.cli.cluster import run_cluster

        words = list(sys.argv[1:] if argv is None else argv)
        return run_cluster(args, words[words.index("cluster") + 1 :])
    if args.command == "demo":
        from embergrid.cli.demo import run_demo

        return run_demo()
    if args.command == "sql":
        from embergrid.cli.sql_shell import run_sql

        return run_sql(args)
    parser.print_help()
    return 0
