"""Failover across three server processes under a loop of work; one client shared by
threads and by many coroutines. (A node killed mid-request, in both shells:
``tests/client/aio/test_failover.py``.)"""

from __future__ import annotations

import asyncio
import subprocess
import threading
from typing import Any

import pytest

from embergrid import AioClient, Client
from embergrid.exceptions import ReconnectError, SocketError


def _create_everywhere(nodes: list[tuple[str, int]], name: str) -> None:
    for node in nodes:
        with Client(partition_aware=False).connect(*node) as cm:
            cm.client.get_or_create_cache(name)


@pytest.mark.parametrize("partition_aware", [True, False])
def test_loop_of_puts_survives_a_killed_node_then_runs_out(
    servers: list[tuple[subprocess.Popen[bytes], int]], partition_aware: bool
) -> None:
    nodes = [("127.0.0.1", port) for _, port in servers]
    _create_everywhere(nodes, "my_cache")  # separate processes share no caches
    client = Client(timeout=4.0, partition_aware=partition_aware)
    errors: list[str] = []
    with client.connect(nodes):
        cache = client.get_or_create_cache("my_cache")
        done, killed = 0, 0
        while done < 300:
            if done in (100, 200):
                # kill a node that currently holds a live connection
                serving = {c.port for c in client._transport.conns if c.alive}
                victim = next(
                    p for p, port in servers if port in serving and p.poll() is None
                )
                victim.kill()
                victim.wait()
                killed += 1
            try:
                value = cache.get("test_key") or 0
                cache.put("test_key", value + 1)
            except (OSError, SocketError) as e:
                errors.append(str(e))
            done += 1
        assert killed == 2
        # each kill costs at most the request in flight on that node
        assert len(errors) <= killed
        assert set(errors) <= {"Connection broken."}
        assert (cache.get("test_key") or 0) >= 1
        for proc, _ in servers:
            proc.kill()
            proc.wait()
        # each connection that still looks alive fails once, then none is left
        outcomes = []
        for _ in range(len(nodes) + 1):
            try:
                cache.put("k", 1)
            except ReconnectError as exc:
                outcomes.append(str(exc))
                break
            except OSError as exc:
                outcomes.append(str(exc))
        assert outcomes[-1] == "Can not reconnect: out of nodes."
        assert set(outcomes[:-1]) <= {"Connection broken."}


def test_eight_threads_share_one_client(client: Client, cache_name: str) -> None:
    cache = client.create_cache(cache_name)
    failures: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(200):
                key = (t, i)[0] * 1000 + i
                cache.put(key, f"v{t}-{i}")
                assert cache.get(key) == f"v{t}-{i}"
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert failures == []
    assert cache.get_size() == 1600
    cache.destroy()


async def test_hundred_coroutines_on_one_aio_client(
    aio_client: AioClient, cache_name: str
) -> None:
    cache = await aio_client.create_cache(cache_name)

    async def work(i: int) -> Any:
        await cache.put(i, i * 2)
        return await cache.get(i)

    results = await asyncio.gather(*(work(i) for i in range(100)))
    assert results == [i * 2 for i in range(100)]
    assert await cache.get_size() == 100
    async with cache.scan(page_size=7) as cursor:
        assert {k: v async for k, v in cursor} == {i: i * 2 for i in range(100)}
    await cache.destroy()
