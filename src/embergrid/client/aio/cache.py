"""``AioCache``: pyignite's asynchronous cache API over the flows (the SOURCE shell).

Owns the public cache class: each method is one statement handing a flow from
``client.flows`` to the client's driver, with pyignite's docstrings.
``client/sync/cache.py`` is generated from this file by ``tools/unasync.py`` (the
``timeout`` parameter exists only here, as in pyignite). Imports ``client.flows``
and ``embergrid.datatypes``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from embergrid.client._cache_info import CacheInfo
from embergrid.client.aio.cursors import AioScanCursor, AioSqlCursor
from embergrid.client.aio.listening import AioContinuousQuery
from embergrid.client.flows import admin, query
from embergrid.client.flows import cache as kv
from embergrid.client.flows._state import CacheRef
from embergrid.client.flows.listen import CacheEvent
from embergrid.datatypes.expiry_policy import ExpiryPolicy
from embergrid.protocol.config import ExpiryDurations

if TYPE_CHECKING:
    from embergrid.client.aio.client import AioClient

__all__ = ["AioCache"]

Timeout = int | float


class AioCache:
    """Ignite cache abstraction: a named cache of one client."""

    def __init__(
        self, client: AioClient, name: str, expiry_policy: ExpiryPolicy | None = None
    ) -> None:
        """Initialize cache object. For internal use.

        :param client: Ignite client,
        :param name: Cache name,
        :param expiry_policy: (optional) expiry policy for the operations.
        """
        self._client = client
        self._name = name
        self._expiry_policy = expiry_policy
        expiry = None
        if expiry_policy is not None:
            expiry = ExpiryDurations(*expiry_policy.durations_ms())
        self._ref = CacheRef.of(name, expiry)
        self._settings: dict[int, Any] | None = None

    @property
    def name(self) -> str:
        """Cache name."""
        return self._name

    @property
    def cache_id(self) -> int:
        """Cache ID."""
        return self._ref.cache_id

    @property
    def cache_info(self) -> CacheInfo:
        """Cache meta info: id, expiry policy and the client's protocol context."""
        return CacheInfo(
            cache_id=self._ref.cache_id,
            expiry_policy=self._expiry_policy,
            protocol_context=self._client.protocol_context,
        )

    @property
    def client(self) -> AioClient:
        """Ignite client object."""
        return self._client

    def with_expire_policy(
        self,
        expiry_policy: ExpiryPolicy | None = None,
        create: int | timedelta = ExpiryPolicy.UNCHANGED,
        update: int | timedelta = ExpiryPolicy.UNCHANGED,
        access: int | timedelta = ExpiryPolicy.UNCHANGED,
    ) -> AioCache:
        """A cache that applies an expiry policy to its operations.

        :param expiry_policy: optional :class:`ExpiryPolicy` object. If it is
         set, other params will be ignored,
        :param create: TTL for create in milliseconds or :py:class:`~time.timedelta`,
        :param update: TTL for update in milliseconds or :py:class:`~time.timedelta`,
        :param access: TTL for access in milliseconds or :py:class:`~time.timedelta`,
        :return: cache decorator with expiry policy set.
        """
        if not expiry_policy:
            expiry_policy = ExpiryPolicy(create=create, update=update, access=access)
        return AioCache(self._client, self._name, expiry_policy)

    # sync-only: @property
    async def settings(self, timeout: Timeout = 0) -> dict[int, Any]:
        """Lazy Cache settings. See the :ref:`example <sql_cache_read>` of
        reading this property.

        All cache properties are documented here: :ref:`cache_props`.

        :return: dict of cache properties and their values.
        """
        if self._settings is None:
            self._settings = await self._client._run(
                admin.cache_settings(self._ref), timeout
            )
        return self._settings

    async def destroy(self, timeout: Timeout = 0) -> None:
        """Destroys cache with a given name."""
        await self._client._run(admin.cache_destroy(self._ref), timeout)

    async def get(self, key: Any, key_hint: object = None, timeout: Timeout = 0) -> Any:
        """Retrieves a value from cache by key.

        :param key: key for the cache entry. Can be of any supported type,
        :param key_hint: (optional) Ignite data type, for which the given key
         should be converted,
        :return: value retrieved.
        """
        return await self._client._run(
            kv.cache_get(self._client._state, self._ref, key, key_hint), timeout
        )

    async def put(
        self,
        key: Any,
        value: Any,
        key_hint: object = None,
        value_hint: object = None,
        timeout: Timeout = 0,
    ) -> None:
        """Puts a value with a given key to cache (overwriting existing value
        if any).

        :param key: key for the cache entry. Can be of any supported type,
        :param value: value for the key,
        :param key_hint: (optional) Ignite data type, for which the given key
         should be converted,
        :param value_hint: (optional) Ignite data type, for which the given
         value should be converted.
        """
        await self._client._run(
            kv.cache_put(
                self._client._state, self._ref, key, value, key_hint, value_hint
            ),
            timeout,
        )

    async def get_all(self, keys: list[Any], timeout: Timeout = 0) -> dict[Any, Any]:
        """Retrieves multiple key-value pairs from cache.

        :param keys: list of keys or tuples of (key, key_hint),
        :return: a dict of key-value pairs.
        """
        return await self._client._run(
            kv.cache_get_all(self._client._state, self._ref, keys), timeout
        )

    async def put_all(self, pairs: dict[Any, Any], timeout: Timeout = 0) -> None:
        """Puts multiple key-value pairs to cache (overwriting existing
        associations if any).

        :param pairs: dictionary type parameters, contains key-value pairs
         to save. Each key or value can be an item of representable
         Python type or a tuple of (item, hint).
        """
        await self._client._run(
            kv.cache_put_all(self._client._state, self._ref, pairs), timeout
        )

    async def put_all_streamed(
        self, pairs: Any, batch_size: int = 1000, window: int = 8
    ) -> None:
        """Puts many key-value pairs to cache, ``batch_size`` at a time with up
        to ``window`` batches in flight over one connection (embergrid's bulk
        loader; pyignite has none). Faster than one ``put_all`` per batch when
        each answer takes a round trip; works with any Ignite thin-client server.

        :param pairs: a dict, or any iterable of (key, value) pairs (read lazily,
         so the input need not fit in memory); each key or value can be an item
         of representable Python type or a tuple of (item, hint). Keys should
         be distinct: batches may be applied in any order, as Ignite may.
        :param batch_size: (optional) entries per ``put_all`` request,
        :param window: (optional) requests in flight at once.
        Not inside a transaction (``ParameterError``): use ``put_all`` there.
        """
        await self._client._transport.run_many(
            kv.cache_put_all_batches(self._client._state, self._ref, pairs, batch_size),
            window,
        )

    async def replace(
        self,
        key: Any,
        value: Any,
        key_hint: object = None,
        value_hint: object = None,
        timeout: Timeout = 0,
    ) -> bool:
        """Puts a value with a given key to cache only if the key already exist.

        :param key: key for the cache entry. Can be of any supported type,
        :param value: value for the key,
        :param key_hint: (optional) Ignite data type, for which the given key
         should be converted,
        :param value_hint: (optional) Ignite data type, for which the given
         value should be converted.
        """
        return await self._client._run(
            kv.cache_replace(
                self._client._state, self._ref, key, value, key_hint, value_hint
            ),
            timeout,
        )

    async def clear(self, keys: list[Any] | None = None, timeout: Timeout = 0) -> None:
        """Clears the cache without notifying listeners or cache writers.

        :param keys: (optional) list of cache keys or (key, key type
         hint) tuples to clear (default: clear all).
        """
        await self._client._run(
            kv.cache_clear(self._client._state, self._ref, keys), timeout
        )

    async def clear_key(
        self, key: Any, key_hint: object = None, timeout: Timeout = 0
    ) -> None:
        """Clears the cache key without notifying listeners or cache writers.

        :param key: key for the cache entry,
        :param key_hint: (optional) Ignite data type, for which the given key
         should be converted,
        """
        await self._client._run(
            kv.cache_clear_key(self._client._state, self._ref, key, key_hint), timeout
        )

    async def clear_keys(self, keys: Iterable[Any], timeout: Timeout = 0) -> None:
        """Clears the cache key without notifying listeners or cache writers.

        :param keys: a list of keys or (key, type hint) tuples
        """
        await self._client._run(
            kv.cache_clear_keys(self._client._state, self._ref, keys), timeout
        )

    async def contains_key(
        self, key: Any, key_hint: object = None, timeout: Timeout = 0
    ) -> bool:
        """Returns a value indicating whether given key is present in cache.

        :param key: key for the cache entry. Can be of any supported type,
        :param key_hint: (optional) Ignite data type, for which the given key
         should be converted,
        :return: boolean `True` when key is present, `False` otherwise.
        """
        return await self._client._run(
            kv.cache_contains_key(self._client._state, self._ref, key, key_hint),
            timeout,
        )

    async def contains_keys(self, keys: Iterable[Any], timeout: Timeout = 0) -> bool:
        """Returns a value indicating whether all given keys are present in cache.

        :param keys: a list of keys or (key, type hint) tuples,
        :return: boolean `True` when all keys are present, `False` otherwise.
        """
        return await self._client._run(
            kv.cache_contains_keys(self._client._state, self._ref, keys), timeout
        )

    async def get_and_put(
        self,
        key: Any,
        value: Any,
        key_hint: object = None,
        value_hint: object = None,
        timeout: Timeout = 0,
    ) -> Any:
        """Puts a value with a given key to cache, and returns the previous value
        for that key, or null value if there was not such key.

        :param key: key for the cache entry. Can be of any supported type,
        :param value: value for the key,
        :param key_hint: (optional) Ignite data type, for which the given key
         should be converted,
        :param value_hint: (optional) Ignite data type, for which the given
         value should be converted.
        :return: old value or None.
        """
        return await self._client._run(
            kv.cache_get_and_put(
                self._client._state, self._ref, key, value, key_hint, value_hint
            ),
            timeout,
        )

    async def get_and_put_if_absent(
        self,
        key: Any,
        value: Any,
        key_hint: object = None,
        value_hint: object = None,
        timeout: Timeout = 0,
    ) -> Any:
        """Puts a value with a given key to cache only if the key does not
        already exist.

        :param key: key for the cache entry. Can be of any supported type,
        :param value: value for the key,
        :param key_hint: (optional) Ignite data type, for which the given key
         should be converted,
        :param value_hint: (optional) Ignite data type, for which the given
         value should be converted,
        :return: old value or None.
        """
        return await self._client._run(
            kv.cache_get_and_put_if_absent(
                self._client._state, self._ref, key, value, key_hint, value_hint
            ),
            timeout,
        )

    async def put_if_absent(
        self,
        key: Any,
        value: Any,
        key_hint: object = None,
        value_hint: object = None,
        timeout: Timeout = 0,
    ) -> bool:
        """Puts a value with a given key to cache only if the key does not
        already exist.

        :param key: key for the cache entry. Can be of any supported type,
        :param value: value for the key,
        :param key_hint: (optional) Ignite data type, for which the given key
         should be converted,
        :param value_hint: (optional) Ignite data type, for which the given
         value should be converted.
        """
        return await self._client._run(
            kv.cache_put_if_absent(
                self._client._state, self._ref, key, value, key_hint, value_hint
            ),
            timeout,
        )

    async def get_and_remove(
        self, key: Any, key_hint: object = None, timeout: Timeout = 0
    ) -> Any:
        """Removes the cache entry with specified key, returning the value.

        :param key: key for the cache entry. Can be of any supported type,
        :param key_hint: (optional) Ignite data type, for which the given key
         should be converted,
        :return: old value or None.
        """
        return await self._client._run(
            kv.cache_get_and_remove(self._client._state, self._ref, key, key_hint),
            timeout,
        )

    async def get_and_replace(
        self,
        key: Any,
        value: Any,
        key_hint: object = None,
        value_hint: object = None,
        timeout: Timeout = 0,
    ) -> Any:
        """Puts a value with a given key to cache, returning previous value
        for that key, if and only if there is a value currently mapped
        for that key.

        :param key: key for the cache entry. Can be of any supported type,
        :param value: value for the key,
        :param key_hint: (optional) Ignite data type, for which the given key
         should be converted,
        :param value_hint: (optional) Ignite data type, for which the given
         value should be converted.
        :return: old value or None.
        """
        return await self._client._run(
            kv.cache_get_and_replace(
                self._client._state, self._ref, key, value, key_hint, value_hint
            ),
            timeout,
        )

    async def remove_key(
        self, key: Any, key_hint: object = None, timeout: Timeout = 0
    ) -> bool:
        """Clears the cache key without notifying listeners or cache writers.

        :param key: key for the cache entry,
        :param key_hint: (optional) Ignite data type, for which the given key
         should be converted,
        """
        return await self._client._run(
            kv.cache_remove_key(self._client._state, self._ref, key, key_hint), timeout
        )

    async def remove_keys(self, keys: list[Any], timeout: Timeout = 0) -> None:
        """Removes cache entries by given list of keys, notifying listeners
        and cache writers.

        :param keys: list of keys or tuples of (key, key_hint) to remove.
        """
        await self._client._run(
            kv.cache_remove_keys(self._client._state, self._ref, keys), timeout
        )

    async def remove_all(self, timeout: Timeout = 0) -> None:
        """Removes all cache entries, notifying listeners and cache writers."""
        await self._client._run(
            kv.cache_remove_all(self._client._state, self._ref), timeout
        )

    async def remove_if_equals(
        self,
        key: Any,
        sample: Any,
        key_hint: object = None,
        sample_hint: object = None,
        timeout: Timeout = 0,
    ) -> bool:
        """Removes an entry with a given key if provided value is equal to
        actual value, notifying listeners and cache writers.

        :param key: key for the cache entry,
        :param sample: a sample to compare the stored value with,
        :param key_hint: (optional) Ignite data type, for which the given key
         should be converted,
        :param sample_hint: (optional) Ignite data type, for whic
         the given sample should be converted.
        """
        return await self._client._run(
            kv.cache_remove_if_equals(
                self._client._state, self._ref, key, sample, key_hint, sample_hint
            ),
            timeout,
        )

    async def replace_if_equals(
        self,
        key: Any,
        sample: Any,
        value: Any,
        key_hint: object = None,
        sample_hint: object = None,
        value_hint: object = None,
        timeout: Timeout = 0,
    ) -> bool:
        """Puts a value with a given key to cache only if the key already exists
        and value equals provided sample.

        :param key: key for the cache entry,
        :param sample: a sample to compare the stored value with,
        :param value: new value for the given key,
        :param key_hint: (optional) Ignite data type, for which the given key
         should be converted,
        :param sample_hint: (optional) Ignite data type, for whic
         the given sample should be converted
        :param value_hint: (optional) Ignite data type, for which the given
         value should be converted,
        :return: boolean `True` when key is present, `False` otherwise.
        """
        return await self._client._run(
            kv.cache_replace_if_equals(
                self._client._state,
                self._ref,
                key,
                sample,
                value,
                key_hint,
                sample_hint,
                value_hint,
            ),
            timeout,
        )

    async def get_size(self, peek_modes: Any = None, timeout: Timeout = 0) -> int:
        """Gets the number of entries in cache.

        :param peek_modes: (optional) limit count to near cache partition
         (PeekModes.NEAR), primary cache (PeekModes.PRIMARY), or backup cache
         (PeekModes.BACKUP). Defaults to primary cache partitions (PeekModes.PRIMARY),
        :return: integer number of cache entries.
        """
        return await self._client._run(
            kv.cache_get_size(self._client._state, self._ref, peek_modes), timeout
        )

    def scan(
        self,
        page_size: int = 1,
        partitions: int = -1,
        local: bool = False,
        timeout: Timeout = 0,
    ) -> AioScanCursor:
        """Returns all key-value pairs from the cache, similar to `get_all`, but
        with internal pagination, which is slower, but safer.

        :param page_size: (optional) page size. Default size is 1 (slowest
         and safest),
        :param partitions: (optional) number of partitions to query
         (negative to query entire cache),
        :param local: (optional) pass True if this query should be executed
         on local node only. Defaults to False,
        :return: Scan query cursor.
        """
        flow = query.scan_open(
            self._client._state, self._ref, page_size, partitions, local
        )
        return AioScanCursor(self._client, flow, self.cache_info)

    def listen(
        self,
        callback: Callable[[CacheEvent], Any] | None = None,
        *,
        initial_query: bool = False,
        page_size: int = 1,
        time_interval: int = 0,
        include_expired: bool = False,
    ) -> AioContinuousQuery:
        """Listen to this cache's changes (an Ignite continuous query).

        Use it as a context manager and iterate over it for ``CacheEvent``
        objects, or give ``callback`` and ``start()`` it (it is then called with
        each event; in the sync client on a thread of its own). Leaving the
        context, or ``close()``, unsubscribes.

        :param callback: (optional) called with each event,
        :param initial_query: (optional) give the cache's entries first (a scan,
         as ``INITIAL`` events),
        :param page_size: (optional) most events per notification (the server's
         buffer size; default 1),
        :param time_interval: (optional) milliseconds after which the server
         sends a buffer that is not full (0: none),
        :param include_expired: (optional) give EXPIRED events too,
        :return: the continuous query.
        """
        return AioContinuousQuery(
            self._client,
            self._ref,
            page_size,
            time_interval,
            include_expired,
            initial_query,
            callback,
        )

    def select_row(
        self,
        query_str: str,
        page_size: int = 1,
        query_args: list[Any] | None = None,
        distributed_joins: bool = False,
        replicated_only: bool = False,
        local: bool = False,
        timeout: int = 0,
    ) -> AioSqlCursor:
        """Executes a simplified SQL SELECT query over data stored in the cache.
        The query returns the whole record (key and value).

        :param query_str: SQL query string,
        :param page_size: (optional) cursor page size. Default is 1, which
         means that client makes one server call per row,
        :param query_args: (optional) query arguments,
        :param distributed_joins: (optional) distributed joins. Defaults
         to False,
        :param replicated_only: (optional) whether query contains only
         replicated tables or not. Defaults to False,
        :param local: (optional) pass True if this query should be executed
         on local node only. Defaults to False,
        :param timeout: (optional) non-negative timeout value in ms. Zero
         disables timeout (default),
        :return: Sql cursor.
        """
        flow = query.sql_open(
            self._client._state,
            self._ref,
            query_str,
            page_size,
            query_args,
            distributed_joins,
            replicated_only,
            local,
            timeout=timeout,
        )
        return AioSqlCursor(self._client, flow, self.cache_info)
