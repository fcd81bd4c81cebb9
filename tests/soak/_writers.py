"""Writers that remember what the node acknowledged, to check nothing is lost.

Owns ``AckedWriters``: threads, each on its own connection, that put
``(writer, n) -> n`` one key after another (and every tenth a ``put_all`` of
ten keys), recording the keys whose write was answered. They stop at
``stop()`` or when their connection fails (the node killed under them);
``lost(address)`` names the acknowledged keys a node no longer holds. Uses
embergrid's client; never the server.
"""

from __future__ import annotations

import threading

from embergrid import Client
from embergrid.errors import IgniteError

__all__ = ["AckedWriters"]

CACHE = "soak-acked"
TIMEOUT = 30.0


class AckedWriters:
    """``count`` writer threads; ``start`` is where their key numbers begin,
    ``until`` the acknowledged writes after which they have written enough."""

    def __init__(
        self, address: tuple[str, int], count: int, start: int, until: int
    ) -> None:
        self.until = until
        self.acked: list[list[int]] = [[] for _ in range(count)]
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._write, args=(address, w, start), daemon=True)
            for w in range(count)
        ]
        for t in self._threads:
            t.start()

    def total(self) -> int:
        return sum(len(keys) for keys in self.acked)

    def wrote_enough(self) -> bool:
        """At least ``until`` writes acknowledged (the writers go on)."""
        return self.total() >= self.until

    def stop(self) -> None:
        self._stopping.set()
        for t in self._threads:
            t.join(TIMEOUT * 2)

    def _write(self, address: tuple[str, int], w: int, n: int) -> None:
        acked = self.acked[w]
        try:
            client = Client(timeout=TIMEOUT)
            with client.connect(*address):
                cache = client.get_or_create_cache(CACHE)
                while not self._stopping.is_set():
                    if n % 10 == 0:
                        batch = list(range(n, n + 10))
                        cache.put_all({f"{w}-{k}": k for k in batch})
                        acked.extend(batch)
                        n += 10
                    else:
                        cache.put(f"{w}-{n}", n)
                        acked.append(n)
                        n += 1
        except (IgniteError, OSError):
            return  # the node went away under this writer

    def lost(self, address: tuple[str, int]) -> list[str]:
        """The acknowledged keys the node at ``address`` does not hold."""
        keys = {f"{w}-{k}": k for w, acked in enumerate(self.acked) for k in acked}
        client = Client(timeout=TIMEOUT)
        with client.connect(*address):
            cache = client.get_or_create_cache(CACHE)
            stored: dict[str, int] = {}
            names = list(keys)
            for i in range(0, len(names), 10_000):
                stored.update(cache.get_all(names[i : i + 10_000]))
        return sorted(k for k, v in keys.items() if stored.get(k) != v)
