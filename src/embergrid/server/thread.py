"""Run a server in a background thread with its own event loop (httpx-style).

Owns ``ServerThread``: used by the test fixtures, ``embergrid demo`` and the
benchmarks to get a live node on ``127.0.0.1:<free port>`` inside this process.
Imports threading, asyncio and ``embergrid.server``.
"""

from __future__ import annotations

import asyncio
import ssl
import threading

from embergrid.server.listener import Server, new_event_loop
from embergrid.server.node import Node

__all__ = ["ServerThread"]


class ServerThread:
    """A ``Server`` for ``node`` running in a daemon thread.

    Use as a context manager, or call ``start()`` / ``stop()``. ``host`` and
    ``port`` are known once ``start()`` returns.
    """

    def __init__(
        self,
        node: Node | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.node = node if node is not None else Node()
        self.server = Server(self.node, tls)
        self._want = (host, port)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def address(self) -> tuple[str, int]:
        return self.server.host, self.server.port

    def start(self, timeout: float = 10.0) -> ServerThread:
        """Start the thread and wait until the server accepts connections."""
        self._thread = threading.Thread(
            target=self._run, name="embergrid-server", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("embergrid server thread did not start in time")
        if self._error is not None:
            raise RuntimeError(
                "embergrid server thread failed to start"
            ) from self._error
        return self

    def _run(self) -> None:
        loop = self._loop = new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self.server.start(*self._want))
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self.server.close())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def call(self, fn: object) -> None:
        """Run the callable ``fn`` on the server's loop and wait for it."""
        loop = self._loop
        if loop is None or not callable(fn):
            raise RuntimeError("server is not running")
        done = threading.Event()

        def run() -> None:
            try:
                fn()
            finally:
                done.set()

        loop.call_soon_threadsafe(run)
        done.wait(10)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop (closing every connection) and join the thread."""
        if (
            self._loop is not None
            and self._thread is not None
            and self._thread.is_alive()
        ):
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)
        self.node.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
