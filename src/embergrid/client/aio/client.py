"""``AioClient``: pyignite's asynchronous client API over the flows (the SOURCE shell).

Owns the public client class and its connection context manager. Every operation is
one statement handing a flow from ``client.flows`` to the driver; nothing here
decides anything about the protocol. ``client/sync/client.py`` is generated from this
file by ``tools/unasync.py`` (``# sync-only:`` lines become code there, ``# aio-only``
lines disappear). Imports ``client.flows``, ``client.aio``, ``embergrid.datatypes``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from embergrid.client import flows
from embergrid.client._cache_info import cache_info_of
from embergrid.client._nodes import ConnectParams, parse_connect_args
from embergrid.client.aio._transport import AioConnection, AioTransport
from embergrid.client.aio.cache import AioCache
from embergrid.client.aio.cluster import AioCluster
from embergrid.client.aio.cursors import AioSqlFieldsCursor
from embergrid.client.aio.transaction import AioTransaction
from embergrid.client.flows import admin, binary, query, values
from embergrid.client.flows import cache as kv
from embergrid.client.flows._call import Flow, T
from embergrid.datatypes.transactions import (
    TransactionConcurrency,
    TransactionIsolation,
)
from embergrid.monitoring import EventPublisher
from embergrid.protocol.messages.context import ProtocolContext

__all__ = ["AioClient"]

Timeout = int | float


class _ConnectionContextManager:
    """What ``connect`` returns: awaitable, and a context manager closing the client."""

    def __init__(self, client: AioClient, nodes: list[tuple[str, int]]) -> None:
        self.client = client
        self.nodes = nodes
        # sync-only: self.client._transport.connect(self.nodes)

    def __await__(self) -> Any:  # aio-only
        return self.__aenter__().__await__()  # aio-only

    async def __aenter__(self) -> _ConnectionContextManager:
        await self.client._transport.connect(self.nodes)  # aio-only
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.client.close()


class AioClient:
    """Asynchronous client: connections to the nodes of one Ignite cluster."""

    def __init__(
        self,
        compact_footer: bool | None = None,
        partition_aware: bool = True,
        event_listeners: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Initialize client.

        :param compact_footer: (optional) use compact (True, recommended) or full
         (False) schema approach when serializing Complex objects,
        :param partition_aware: (optional) try to calculate the exact data
         placement from the key before to issue the key operation to the
         server node, `True` by default,
        :param event_listeners: (optional) event listeners,
        :param timeout: (optional) sets timeout (in seconds) for each socket
         operation including `connect`. Default is None (blocking mode),
        :param handshake_timeout: (optional) sets timeout (in seconds) for
         performing handshake (connection) with node. Default is 10.0,
        :param use_ssl: (optional) set to True if Ignite server uses SSL on its
         binary connector,
        :param ssl_version, ssl_ciphers, ssl_cert_reqs, ssl_keyfile,
         ssl_keyfile_password, ssl_certfile, ssl_ca_certfile: (optional) TLS
         settings, see the ``ssl`` module,
        :param username: (optional) user name to authenticate to Ignite cluster,
        :param password: (optional) password to authenticate to Ignite cluster,
        :param cluster_discovery: (optional, not in pyignite) learn the other
         nodes of the cluster from the server (op 5102, as the Java thin
         client's ``setClusterDiscoveryEnabled``) and add them to the nodes
         given to ``connect``; `False` by default.
        """
        self._compact_footer = compact_footer
        self._partition_aware = partition_aware
        self._state = flows.ClientState(compact_footer=compact_footer)
        self._transport = AioTransport(
            self._state,
            partition_aware,
            ConnectParams.from_kwargs(kwargs),
            EventPublisher(event_listeners),
        )

    async def _run(self, flow: Flow[T], timeout: Timeout = 0) -> T:
        return await self._transport.run(flow, timeout)

    def connect(self, *args: Any) -> _ConnectionContextManager:
        """Connect to Ignite cluster node(s).

        :param args: (optional) host(s) and port(s) to connect to.
        """
        return _ConnectionContextManager(self, parse_connect_args(*args))

    async def close(self) -> None:
        """Close all connections."""
        await self._transport.close()

    # -- properties -------------------------------------------------------------

    @property
    def protocol_context(self) -> ProtocolContext | None:
        """Protocol version and features negotiated with the cluster, or None if
        no connection to the Ignite cluster was established yet.

        Ask it what the cluster supports, e.g.
        ``client.protocol_context.is_transactions_supported()``.
        """
        return self._transport.protocol_context

    @property
    def partition_awareness_supported_by_protocol(self) -> bool:
        """Whether the negotiated protocol supports partition awareness."""
        ctx = self.protocol_context
        return ctx is not None and ctx.is_partition_awareness_supported()

    @property
    def affinity_version(self) -> tuple[int, int]:
        """The newest affinity topology version (major, minor) seen in responses."""
        return self._state.topology

    @property
    def partition_aware(self) -> bool:
        """Whether keyed requests go to the key's primary node."""
        return self._partition_aware and self.partition_awareness_supported_by_protocol

    @property
    def compact_footer(self) -> bool:
        """True if compact schema footers are used (the default), False if full."""
        return bool(self._compact_footer or self._compact_footer is None)

    @compact_footer.setter
    def compact_footer(self, value: bool) -> None:
        if self._compact_footer not in (value, None):
            raise Warning("Can not change client schema approach.")
        self._compact_footer = value

    # sync-only: @property
    async def random_node(self) -> AioConnection:
        """A random usable node (not a part of the public API)."""
        return await self._transport.random_node()

    async def get_best_node(
        self, cache: int | str | Any, key: Any = None, key_hint: Any = None
    ) -> AioConnection:
        """Returns the node from the list of the nodes, opened by client, that
        most probably contains the needed key-value pair. See IEP-23.

        :param cache: Ignite cache, cache name or cache id,
        :param key: (optional) pythonic key,
        :param key_hint: (optional) Ignite data type, for which the given key
         should be converted,
        :return: Ignite connection object.
        """
        return await self._transport.connection_to(
            await self._run(kv.best_node(self._state, cache, key, key_hint))
        )

    def register_cache(self, cache_id: int) -> None:
        """Kept for pyignite compatibility: partition maps are fetched on first use."""

    # -- binary types ---------------------------------------------------------------

    async def get_binary_type(self, binary_type: str | int) -> dict[str, Any]:
        """Gets the binary type information from the Ignite server.

        :param binary_type: binary type name or ID,
        :return: binary type description - a dict with `type_exists`, `type_id`,
         `type_name`, `affinity_key_field`, `is_enum` and `schemas`.
        """
        return await self._run(binary.get_binary_type(self._state, binary_type))

    async def put_binary_type(
        self,
        type_name: str,
        affinity_key_field: str | None = None,
        is_enum: bool = False,
        schema: dict[str, Any] | None = None,
    ) -> None:
        """Registers binary type information in cluster.

        :param type_name: name of the data type being registered,
        :param affinity_key_field: (optional) name of the affinity key field,
        :param is_enum: (optional) register enum if True, binary object otherwise,
        :param schema: (optional) field names and hints, or enum names and values.
        """
        await self._run(
            binary.put_binary_type(
                self._state, type_name, affinity_key_field, is_enum, schema
            )
        )

    async def register_binary_type(
        self, data_class: type, affinity_key_field: str | None = None
    ) -> None:
        """Register the given class as a representation of a certain Complex
        object type. Discards autogenerated or previously registered class.

        :param data_class: Complex object class,
        :param affinity_key_field: (optional) affinity parameter.
        """
        await self._run(
            binary.register_binary_type(self._state, data_class, affinity_key_field)
        )

    async def query_binary_type(
        self, binary_type: int | str, schema: int | dict[str, Any] | None = None
    ) -> Any:
        """Queries the registry of Complex object classes.

        :param binary_type: Complex object type name or ID,
        :param schema: (optional) Complex object schema or schema ID,
        :return: found dataclass or None, if `schema` parameter is provided,
         a dict of {schema ID: dataclass} format otherwise.
        """
        return await self._run(
            binary.query_binary_type(self._state, binary_type, schema)
        )

    async def unwrap_binary(self, value: Any) -> Any:
        """Detects and recursively unwraps Binary Object or collections of it."""
        return await self._run(values.unwrap(self._state, value))

    # -- caches -------------------------------------------------------------------

    async def create_cache(self, settings: str | dict[int, Any]) -> AioCache:
        """Creates Ignite cache by name. Raises `CacheError` if such a cache is
        already exists.

        :param settings: cache name or dict of cache properties' codes and values,
        :return: :class:`AioCache` object.
        """
        return AioCache(self, await self._run(admin.create_cache(settings)))

    async def get_or_create_cache(self, settings: str | dict[int, Any]) -> AioCache:
        """Creates Ignite cache, if not exist.

        :param settings: cache name or dict of cache properties' codes and values,
        :return: :class:`AioCache` object.
        """
        return AioCache(self, await self._run(admin.get_or_create_cache(settings)))

    async def get_cache(self, settings: str | dict[int, Any]) -> AioCache:
        """Creates Cache object with a given cache name without checking it up
        on server.

        :param settings: cache name or cache properties (but only `PROP_NAME`
         property is allowed),
        :return: :class:`AioCache` object.
        """
        return AioCache(self, admin.cache_name(settings))

    async def get_cache_names(self) -> list[str]:
        """Gets existing cache names.

        :return: list of cache names.
        """
        return await self._run(admin.cache_names())

    def get_cluster(self) -> AioCluster:
        """Get client cluster facade.

        :return: :class:`AioCluster` instance.
        """
        return AioCluster(self)

    # -- queries and transactions ---------------------------------------------------

    def sql(
        self,
        query_str: str,
        page_size: int = 1024,
        query_args: Iterable[Any] | None = None,
        schema: str = "PUBLIC",
        statement_type: int = 0,
        distributed_joins: bool = False,
        local: bool = False,
        replicated_only: bool = False,
        enforce_join_order: bool = False,
        collocated: bool = False,
        lazy: bool = False,
        include_field_names: bool = False,
        max_rows: int = -1,
        timeout: int = 0,
        cache: int | str | AioCache | None = None,
    ) -> AioSqlFieldsCursor:
        """Runs an SQL query and returns its result.

        :param query_str: SQL query string,
        :param page_size: (optional) cursor page size. Default is 1024,
        :param query_args: (optional) query arguments,
        :param schema: (optional) schema for the query. Defaults to `PUBLIC`,
        :param statement_type: (optional) 0 any, 1 select, 2 update,
        :param distributed_joins: (optional) distributed joins,
        :param local: (optional) pass True if this query should be executed
         on local node only,
        :param replicated_only: (optional) whether query contains only replicated
         tables or not,
        :param enforce_join_order: (optional) enforce join order,
        :param collocated: (optional) whether your data is co-located or not,
        :param lazy: (optional) lazy query execution,
        :param include_field_names: (optional) include field names in result,
        :param max_rows: (optional) query-wide maximum of rows (-1: all),
        :param timeout: (optional) non-negative timeout value in ms (0: none),
        :param cache: (optional) name or ID of the cache to use to infer schema.
         If set, 'schema' argument is ignored,
        :return: sql fields cursor with result rows as lists. If
         `include_field_names` was set, the first row will hold field names.
        """
        return AioSqlFieldsCursor(
            self,
            query.sql_fields_open(
                self._state,
                query_str,
                page_size,
                query_args,
                schema,
                statement_type,
                distributed_joins,
                local,
                replicated_only,
                enforce_join_order,
                collocated,
                lazy,
                include_field_names,
                max_rows,
                timeout,
                cache,
            ),
            cache_info_of(cache, self.protocol_context),
        )

    def tx_start(
        self,
        concurrency: TransactionConcurrency = TransactionConcurrency.PESSIMISTIC,
        isolation: TransactionIsolation = TransactionIsolation.REPEATABLE_READ,
        timeout: int = 0,
        label: str | None = None,
    ) -> AioTransaction:
        """Start thin client transaction.

        :param concurrency: (optional) transaction concurrency,
        :param isolation: (optional) transaction isolation level,
        :param timeout: (optional) transaction timeout in milliseconds,
        :param label: (optional) transaction label,
        :return: :class:`AioTransaction` instance.
        """
        return AioTransaction(self, concurrency, isolation, timeout, label)
