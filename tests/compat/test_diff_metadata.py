"""Binary type metadata, expiry and cluster state on both servers.

Same scenario on embergrid and Apache Ignite 2.18; normalized outcomes must match.
Expiry uses short real TTLs (embergrid's side is a real-clock server), and the
cluster-state test always restores ACTIVE, since both servers are shared.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from pyignite import Client, GenericObjectMeta
from pyignite.datatypes import (
    BoolObject,
    DoubleObject,
    ExpiryPolicy,
    IntObject,
    LongObject,
    String,
)
from pyignite.datatypes import prop_codes as prop
from pyignite.datatypes.cluster_state import ClusterState

from .conftest import Pair, unique

SCHEMAS: list[dict[str, Any]] = [
    {"id": IntObject, "name": String},
    {"id": IntObject, "name": String, "active": BoolObject},
    {"id": IntObject, "score": DoubleObject},
    {"total": LongObject},
]


def described(meta: dict[str, Any]) -> dict[str, Any]:
    """get_binary_type's dict, with the generated data class reduced to its schema."""
    out = {k: v for k, v in meta.items() if k not in ("data_class", "schemas")}
    # Schema order is a hash-map order on Ignite's side: compare them as a set.
    out["schemas"] = sorted(
        sorted((f, t.__name__) for f, t in schema.items())
        for schema in meta.get("schemas", [])
    )
    cls = meta.get("data_class")
    if cls is not None:
        out["data_class"] = (cls.type_name, dict(cls._schema))
    return out


def binary_type_steps(client: Client, type_name: str) -> list[Callable[[], Any]]:
    steps: list[Callable[[], Any]] = [
        lambda: described(client.get_binary_type(type_name))
    ]
    for schema in SCHEMAS:
        steps.append(lambda s=schema: client.put_binary_type(type_name, schema=s))
        steps.append(lambda: described(client.get_binary_type(type_name)))
    steps.append(lambda: described(client.get_binary_type(type_name.lower())))
    return steps


def test_binary_type_with_several_schemas(pair: Pair) -> None:
    type_name = unique("Meta")
    result = pair.assert_same_steps(lambda c: binary_type_steps(c, type_name))
    assert result[-2][0] == "ok"


def test_binary_type_affinity_key_field(pair: Pair) -> None:
    type_name = unique("AffMeta")

    def steps(client: Client) -> list[Callable[[], Any]]:
        return [
            lambda: client.put_binary_type(
                type_name,
                affinity_key_field="org",
                schema={"org": IntObject, "x": String},
            ),
            lambda: described(client.get_binary_type(type_name)),
        ]

    pair.assert_same_steps(steps)


def test_query_binary_type_after_put(pair: Pair) -> None:
    type_name = unique("QueryMeta")

    class Row(
        metaclass=GenericObjectMeta,
        type_name=type_name,
        schema={"a": IntObject, "b": String},
    ):
        pass

    def steps(client: Client) -> list[Callable[[], Any]]:
        name = unique("qbt")
        cache = client.create_cache(name)

        def query() -> Any:
            cls = client.query_binary_type(type_name)
            return None if cls is None else (cls.type_name, list(cls._schema))

        return [
            lambda: cache.put(1, Row(a=1, b="x")),
            query,
            lambda: cache.get(1),
            lambda: described(client.get_binary_type(Row.type_id)),
            cache.destroy,
        ]

    pair.assert_same_steps(steps)


TTL_MS = 200
PAUSE_S = 0.4
# The creation TTL must outlast the steps before the expiry even on a loaded
# machine (GC pauses of a second were seen): long, and the expiry awaited by
# polling instead of a fixed sleep.
CREATE_TTL_MS = 5000
EXPIRY_WAIT_S = 60.0


def _until_expired(cache: Any, key: int) -> None:
    deadline = time.monotonic() + EXPIRY_WAIT_S
    while cache.get(key) is not None:
        assert time.monotonic() < deadline, f"key {key} never expired"
        time.sleep(0.1)


def expiry_steps(client: Client, name: str) -> list[Callable[[], Any]]:
    policy = ExpiryPolicy(create=timedelta(milliseconds=CREATE_TTL_MS))
    state: dict[str, Any] = {}

    def create() -> Any:
        state["cache"] = client.create_cache(
            {prop.PROP_NAME: name, prop.PROP_EXPIRY_POLICY: policy}
        )

    def cache() -> Any:
        return state["cache"]

    return [
        create,
        lambda: cache().put(1, "a"),
        lambda: cache().with_expire_policy(create=timedelta(minutes=5)).put(2, "b"),
        lambda: cache().with_expire_policy(create=0).put(3, "c"),
        lambda: cache().get_all([1, 2, 3]),
        lambda: _until_expired(cache(), 1),
        lambda: cache().get_all([1, 2, 3]),
        lambda: cache().contains_keys([1, 2, 3]),
        lambda: cache().get_size(),
        lambda: sorted(k for k, _ in cache().scan()),
        lambda: cache().destroy(),
    ]


def test_expiry_by_create_ttl(realtime_pair: Pair) -> None:
    name = unique("expiry")
    result = realtime_pair.assert_same_steps(lambda c: expiry_steps(c, name))
    assert result[6] == ("ok", ("dict", [("('int', 2)", ("str", "b"))]))


def test_expiry_by_access_ttl(realtime_pair: Pair) -> None:
    name = unique("access")

    def steps(client: Client) -> list[Callable[[], Any]]:
        cache = client.get_or_create_cache(name)
        touchy = cache.with_expire_policy(access=timedelta(milliseconds=TTL_MS))
        return [
            lambda: cache.put(1, "kept"),
            lambda: touchy.get(1),
            lambda: time.sleep(PAUSE_S),
            lambda: cache.get(1),
            lambda: touchy.put(2, "read-expires"),
            lambda: cache.destroy(),
        ]

    result = realtime_pair.assert_same_steps(steps)
    assert result[3] == ("ok", ("NoneType", None))


STATES = [ClusterState.ACTIVE_READ_ONLY, ClusterState.ACTIVE]


@pytest.mark.parametrize("state", STATES, ids=[s.name for s in STATES])
def test_cluster_state_get_set(pair: Pair, state: ClusterState) -> None:
    name = unique("state")
    for _, client in pair.clients():
        client.create_cache(name).put(1, 1)

    def steps(client: Client) -> list[Callable[[], Any]]:
        cluster = client.get_cluster()
        cache = client.get_cache(name)
        return [
            cluster.get_state,
            lambda: cluster.set_state(state),
            cluster.get_state,
            lambda: cache.get(1),
            lambda: cache.put(2, 2),
            lambda: cache.get_size(),
            lambda: client.create_cache(name + "-new"),
            lambda: cluster.set_state(ClusterState.ACTIVE),
            cluster.get_state,
        ]

    try:
        pair.assert_same_steps(steps)
    finally:
        for _, client in pair.clients():
            client.get_cluster().set_state(ClusterState.ACTIVE)
            client.get_cache(name).destroy()
            if name + "-new" in client.get_cache_names():
                client.get_cache(name + "-new").destroy()
