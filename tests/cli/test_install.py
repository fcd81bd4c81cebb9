"""What ``pip install embergrid`` (no extras) gives: the client without the
server's dependencies, and a clear word from ``embergrid serve`` without them.

The server's packages (sqlglot, uvloop) are made unimportable in a fresh
interpreter, as in an environment that installed embergrid without [server].
"""

from __future__ import annotations

import subprocess
import sys

from embergrid.server import Node, ServerThread

_WITHOUT_SERVER_EXTRA = (
    "import sys; sys.modules['sqlglot'] = None; sys.modules['uvloop'] = None\n"
)


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_SERVER_EXTRA + code],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_client_works_without_the_server_extra() -> None:
    with ServerThread(Node()) as st:
        host, port = st.address
        done = _run(
            "from embergrid import Client, AioClient, dbapi\n"
            f"c = Client(); c.connect({host!r}, {port})\n"
            "cache = c.get_or_create_cache('no-extra'); cache.put(1, 'x')\n"
            "print(cache.get(1))\n"
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "x\n"


def test_serve_without_the_server_extra_says_what_to_install() -> None:
    done = _run("from embergrid.cli import main; raise SystemExit(main(['serve']))")
    assert done.returncode == 2
    assert done.stderr == (
        "embergrid: the server needs the [server] extra: "
        "pip install 'embergrid[server]'\n"
    )
