# GENERATED from tests/client/aio/test_client_on_ignite.py: edit that file
"""embergrid's client against the real Apache Ignite 2.18 node, beyond the cache
suite, both shells from one source.

Owns: ops and cursors, settings, transactions and binary types (register, query,
classes generated from a type pyignite wrote) on the session's reference node;
cluster state get/set on a private node (``state_node``: ours, then a reference
node of its own). Every scenario also runs with pyignite 0.6.1, the oracle: both
clients must agree. (Partition awareness on a 3-node cluster:
``test_partition_awareness.py``.) Must not import
``embergrid.server`` (the server under test here is Ignite).
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pyignite
import pyignite.datatypes as pd
import pyignite.datatypes.cluster_state
import pyignite.datatypes.expiry_policy
import pyignite.datatypes.prop_codes
import pyignite.exceptions as pe
import pytest

import embergrid
import embergrid.datatypes as ed
import embergrid.exceptions as em_exc
from _targets import IGNITE, Target
from embergrid.datatypes.cluster_state import ClusterState

CACHE_GET = 1000  # OpCode.CACHE_GET in both clients
Address = tuple[str, int]


@pytest.fixture
def ignite(reference: Address) -> Target:
    """The session's reference node."""
    return Target(IGNITE, *reference)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def _settings(cache: Any) -> dict[int, Any]:
    """Settings: a coroutine in the async API, a property in the blocking one."""
    return cache.settings


# --- ops and cursors ---------------------------------------------------------------


def _scenario(client_cls: Any, target: Target, name: str) -> list[Any]:
    """A handful of ops, a scan (context manager) and a scan left early."""
    out: list[Any] = []
    client = client_cls()
    with client.connect(target.host, target.port):
        cache = client.create_cache(name)
        try:
            cache.put(1, "one")
            cache.put_all({i: i * 10 for i in range(2, 12)})
            out.append(cache.get(1))
            out.append(cache.get(999))
            out.append(cache.get_all([1, 2, 3, 999]))
            out.append(cache.contains_key(2))
            out.append(cache.contains_keys([2, 999]))
            out.append(cache.get_and_put(1, "uno"))
            out.append(cache.put_if_absent(1, "x"))
            out.append(cache.replace_if_equals(1, "uno", "eins"))
            out.append(cache.get_and_remove(11))
            out.append(cache.get_size())
            with cache.scan(page_size=3) as cursor:
                out.append(sorted([(k, v) for k, v in cursor]))
            seen = []
            with cache.scan(page_size=2) as cursor:
                for k, v in cursor:
                    seen.append((k, v))
                    if len(seen) == 5:
                        break
            out.append(len(seen))
            out.append(set(seen) <= {(1, "eins")} | {(i, i * 10) for i in range(2, 11)})
        finally:
            cache.destroy()
        out.append(name in client.get_cache_names())
    return out


def test_ops_and_cursors_agree_with_pyignite(ignite: Target) -> None:
    ours = _scenario(embergrid.Client, ignite, unique("ours-"))
    theirs = _scenario(pyignite.Client, ignite, unique("pyi-"))
    assert ours == theirs
    # and the answers are the real ones, not two clients wrong the same way
    assert ours[:3] == ["one", None, {1: "one", 2: 20, 3: 30}]
    assert ours[-3:] == [5, True, False]


def test_scan_cursor_iterates_without_a_with_block(
    ignite: Target, cache_name: str
) -> None:
    """Our cursors also iterate bare (pyignite's async ones require ``with``)."""
    data = {f"k{i}": i for i in range(9)}
    client = embergrid.Client()
    with client.connect(ignite.host, ignite.port):
        cache = client.create_cache(cache_name)
        try:
            cache.put_all(data)
            got = {k: v for k, v in cache.scan(page_size=4)}
        finally:
            cache.destroy()
    assert got == data


# --- settings and transactions ----------------------------------------------------


def _comparable(value: Any) -> Any:
    """A settings value with the library's class names erased from its repr."""
    text = repr(value)
    for lib in ("embergrid", "pyignite"):
        text = text.replace(f"{lib}.", "")
    return text


def test_settings_read_back_from_ignite_agree(
    ignite: Target, cache_name: str
) -> None:
    """The whole configuration Ignite returns (op 1055) decodes the same in both."""
    pc = pd.prop_codes
    with ignite.client() as pc_client:
        cache = pc_client.create_cache(
            {
                pc.PROP_NAME: cache_name,
                pc.PROP_CACHE_MODE: 2,
                pc.PROP_BACKUPS_NUMBER: 1,
                pc.PROP_CACHE_ATOMICITY_MODE: 0,
                pc.PROP_SQL_SCHEMA: "S1",
                pc.PROP_EXPIRY_POLICY: pd.expiry_policy.ExpiryPolicy(
                    create=timedelta(seconds=5)
                ),
                pc.PROP_CACHE_KEY_CONFIGURATION: [
                    {"type_name": "K", "affinity_key_field_name": "a"}
                ],
            }
        )
        try:
            theirs = cache.settings
            ours_client = embergrid.Client()
            with ours_client.connect(ignite.host, ignite.port):
                ours = _settings(ours_client.get_cache(cache_name))
        finally:
            cache.destroy()
    assert sorted(ours) == sorted(theirs)
    diff = {
        k: (ours[k], theirs[k])
        for k in theirs
        if _comparable(ours[k]) != _comparable(theirs[k])
    }
    assert not diff
    assert ours[pc.PROP_BACKUPS_NUMBER] == 1
    assert ours[pc.PROP_SQL_SCHEMA] == "S1"


def _tx_scenario(
    client: Any, name: str, cache_error: type[Exception]
) -> list[Any]:
    out: list[Any] = []
    cache = client.create_cache(
        {pd.prop_codes.PROP_NAME: name, pd.prop_codes.PROP_CACHE_ATOMICITY_MODE: 0}
    )
    try:
        with client.tx_start() as tx:
            cache.put(1, "committed")
            tx.commit()
        with client.tx_start() as tx:
            cache.put(2, "rolled back")
            tx.rollback()
        with pytest.raises(KeyError):
            _abandon_transaction(client, cache)
        with client.tx_start():
            cache.put(4, "not committed")
        out.append(cache.get_all([1, 2, 3, 4]))
        atomic = client.create_cache(f"{name}-atomic")
        with client.tx_start():
            with pytest.raises(cache_error) as err:
                atomic.put(1, 1)  # Ignite >= 2.16 forbids atomic caches in a tx
        atomic.destroy()
        out.append("atomic cache inside a transaction" in str(err.value))
        out.append(int(client.get_cluster().get_state()))
    finally:
        cache.destroy()
    return out


def _abandon_transaction(client: Any, cache: Any) -> None:
    """Leave a transaction's block by an exception: the transaction rolls back."""
    with client.tx_start(concurrency=1, isolation=2, timeout=5000, label="t"):
        cache.put(3, "abandoned")
        raise KeyError("leave the block")


def test_transactions_on_ignite(ignite: Target) -> None:
    ours_client = embergrid.Client()
    with ours_client.connect(ignite.host, ignite.port):
        ours = _tx_scenario(ours_client, unique("tx-ours-"), em_exc.CacheError)
    theirs_client = pyignite.Client()
    with theirs_client.connect(ignite.host, ignite.port):
        theirs = _tx_scenario(theirs_client, unique("tx-pyi-"), pe.CacheError)
    assert ours == theirs == [{1: "committed"}, True, 1]


# --- binary types ------------------------------------------------------------------


def _voucher_class(meta: Any, dt: Any, type_name: str) -> type:
    class Voucher(
        metaclass=meta,
        type_name=type_name,
        schema=OrderedDict(
            [("purpose", dt.String), ("sum", dt.DecimalObject), ("count", dt.IntObject)]
        ),
    ):
        pass

    return Voucher


def _schemas(binary_type: dict[str, Any]) -> list[list[tuple[str, str]]]:
    """Schemas as (field, hint name) lists: comparable across the two libraries."""
    return [[(f, t.__name__) for f, t in s.items()] for s in binary_type["schemas"]]


def test_register_and_query_binary_type(ignite: Target) -> None:
    """Registered by embergrid, the type reads back the same through both clients."""
    type_name = unique("org.example.Voucher$")
    cls = _voucher_class(embergrid.GenericObjectMeta, ed, type_name)
    with ignite.client() as pc:
        c = embergrid.Client()
        with c.connect(ignite.host, ignite.port):
            c.register_binary_type(cls)
            ours = c.get_binary_type(type_name)
            ours_classes = c.query_binary_type(type_name)
        theirs = pc.get_binary_type(type_name)
        theirs_classes = pc.query_binary_type(type_name)
    assert ours["type_exists"]
    assert theirs["type_exists"]
    assert ours["type_id"] == theirs["type_id"]
    assert (
        _schemas(ours)
        == _schemas(theirs)
        == [[("purpose", "String"), ("sum", "DecimalObject"), ("count", "IntObject")]]
    )
    assert list(ours_classes) == list(theirs_classes) == [cls.schema_id]
    (ours_cls,) = ours_classes.values()
    (theirs_cls,) = theirs_classes.values()
    assert (
        list(ours_cls.schema) == list(theirs_cls.schema) == ["purpose", "sum", "count"]
    )


def test_classes_generated_from_a_type_pyignite_wrote(
    ignite: Target, cache_name: str
) -> None:
    """pyignite writes an object; a fresh embergrid client generates its class."""
    type_name = unique("org.example.Outer$Inner+Voucher.")
    cls = _voucher_class(pyignite.GenericObjectMeta, pd, type_name)
    with ignite.client() as writer:
        cache = writer.create_cache(cache_name)
        try:
            cache.put(1, cls(purpose="pay", sum=Decimal("666.67"), count=3))
            with ignite.client() as fresh:
                theirs = fresh.get_cache(cache_name).get(1)
            ours_client = embergrid.Client()
            with ours_client.connect(ignite.host, ignite.port):
                ours_cache = ours_client.get_cache(cache_name)
                ours = ours_cache.get(1)
                with ours_cache.scan() as cursor:
                    scanned = {k: v for k, v in cursor}
        finally:
            cache.destroy()
    assert type(ours).__name__ == type(theirs).__name__
    assert (ours.purpose, ours.sum, ours.count) == ("pay", Decimal("666.67"), 3)
    assert (ours.purpose, ours.sum, ours.count) == (
        theirs.purpose,
        theirs.sum,
        theirs.count,
    )
    assert ours.version == theirs.version
    assert type(ours).schema_id == type(theirs).schema_id
    assert repr(ours) == repr(theirs)
    assert list(scanned) == [1]
    assert scanned[1].sum == Decimal("666.67")


# --- cluster state on a private node (fixture ``state_node``) ------------------------


def _cluster_state_scenario(client: Any, states: Any) -> list[int]:
    cluster = client.get_cluster()
    seen = [cluster.get_state()]
    try:
        cluster.set_state(states.ACTIVE_READ_ONLY)
        seen.append(cluster.get_state())
        cluster.set_state(states.INACTIVE)  # clears this private node's caches
        seen.append(cluster.get_state())
    finally:
        cluster.set_state(states.ACTIVE)
    seen.append(cluster.get_state())
    return [int(s) for s in seen]


def test_cluster_state_get_set(state_node: Address) -> None:
    ours_client = embergrid.Client()
    with ours_client.connect(*state_node):
        ours = _cluster_state_scenario(ours_client, ClusterState)
    theirs_client = pyignite.Client()
    with theirs_client.connect(*state_node):
        theirs = _cluster_state_scenario(
            theirs_client, pyignite.datatypes.cluster_state.ClusterState
        )
    assert ours == theirs == [1, 2, 0, 1]
