"""Dispatch tables: op code → (decode, encode) for request and response bodies.

Owns ``REQUESTS`` and ``RESPONSES``, so the server can decode a request body by op
code and tests can iterate every layout. Two response decoders take an extra
argument the table cannot supply and fall back to a default: SQL-fields
(``include_field_names=False``) and the SQL-fields next page (``column_count`` is
inferred). Standard library only; must not import the client, the server or the
engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from embergrid.protocol.codes import OpCode as Op
from embergrid.protocol.messages import binary_type as bt
from embergrid.protocol.messages import cache as kv
from embergrid.protocol.messages import cache_config as cc
from embergrid.protocol.messages import (
    cluster,
    continuous,
    general,
    partitions,
    query,
    tx,
)
from embergrid.protocol.messages import cluster_group as cg
from embergrid.protocol.messages.context import ProtocolContext
from embergrid.protocol.wire import Buffer

__all__ = ["REQUESTS", "RESPONSES", "Decoder", "Encoder"]

Decoder = Callable[[Buffer, ProtocolContext], Any]
# Any: each encoder takes its own message class; the table is keyed by op code.
Encoder = Callable[[Any, ProtocolContext], bytes]

_EMPTY = (general.decode_empty, general.encode_empty)
_BOOL = (general.decode_bool_response, general.encode_bool_response)
_OBJECT = (general.decode_object_response, general.encode_object_response)
_ENTRY_PAGE = (query.decode_entry_page_response, query.encode_entry_page_response)
_ENTRY_CURSOR = (query.decode_entry_cursor_response, query.encode_entry_cursor_response)

REQUESTS: dict[Op, tuple[Decoder, Encoder]] = {
    Op.RESOURCE_CLOSE: (general.decode_resource_close, general.encode_resource_close),
    Op.HEARTBEAT: (general.decode_heartbeat, general.encode_heartbeat),
    Op.GET_IDLE_TIMEOUT: (
        general.decode_get_idle_timeout,
        general.encode_get_idle_timeout,
    ),
    Op.CACHE_GET: (kv.decode_cache_get, kv.encode_cache_get),
    Op.CACHE_PUT: (kv.decode_cache_put, kv.encode_cache_put),
    Op.CACHE_PUT_IF_ABSENT: (
        kv.decode_cache_put_if_absent,
        kv.encode_cache_put_if_absent,
    ),
    Op.CACHE_GET_ALL: (kv.decode_cache_get_all, kv.encode_cache_get_all),
    Op.CACHE_PUT_ALL: (kv.decode_cache_put_all, kv.encode_cache_put_all),
    Op.CACHE_GET_AND_PUT: (kv.decode_cache_get_and_put, kv.encode_cache_get_and_put),
    Op.CACHE_GET_AND_REPLACE: (
        kv.decode_cache_get_and_replace,
        kv.encode_cache_get_and_replace,
    ),
    Op.CACHE_GET_AND_REMOVE: (
        kv.decode_cache_get_and_remove,
        kv.encode_cache_get_and_remove,
    ),
    Op.CACHE_GET_AND_PUT_IF_ABSENT: (
        kv.decode_cache_get_and_put_if_absent,
        kv.encode_cache_get_and_put_if_absent,
    ),
    Op.CACHE_REPLACE: (kv.decode_cache_replace, kv.encode_cache_replace),
    Op.CACHE_REPLACE_IF_EQUALS: (
        kv.decode_cache_replace_if_equals,
        kv.encode_cache_replace_if_equals,
    ),
    Op.CACHE_CONTAINS_KEY: (kv.decode_cache_contains_key, kv.encode_cache_contains_key),
    Op.CACHE_CONTAINS_KEYS: (
        kv.decode_cache_contains_keys,
        kv.encode_cache_contains_keys,
    ),
    Op.CACHE_CLEAR: (kv.decode_cache_clear, kv.encode_cache_clear),
    Op.CACHE_CLEAR_KEY: (kv.decode_cache_clear_key, kv.encode_cache_clear_key),
    Op.CACHE_CLEAR_KEYS: (kv.decode_cache_clear_keys, kv.encode_cache_clear_keys),
    Op.CACHE_REMOVE_KEY: (kv.decode_cache_remove_key, kv.encode_cache_remove_key),
    Op.CACHE_REMOVE_IF_EQUALS: (
        kv.decode_cache_remove_if_equals,
        kv.encode_cache_remove_if_equals,
    ),
    Op.CACHE_REMOVE_KEYS: (kv.decode_cache_remove_keys, kv.encode_cache_remove_keys),
    Op.CACHE_REMOVE_ALL: (kv.decode_cache_remove_all, kv.encode_cache_remove_all),
    Op.CACHE_GET_SIZE: (kv.decode_cache_get_size, kv.encode_cache_get_size),
    Op.CACHE_LOCAL_PEEK: (kv.decode_cache_local_peek, kv.encode_cache_local_peek),
    Op.CACHE_GET_NAMES: (cc.decode_cache_get_names, cc.encode_cache_get_names),
    Op.CACHE_CREATE_WITH_NAME: (
        cc.decode_cache_create_with_name,
        cc.encode_cache_create_with_name,
    ),
    Op.CACHE_GET_OR_CREATE_WITH_NAME: (
        cc.decode_cache_get_or_create_with_name,
        cc.encode_cache_get_or_create_with_name,
    ),
    Op.CACHE_CREATE_WITH_CONFIGURATION: (
        cc.decode_cache_create_with_configuration,
        cc.encode_cache_create_with_configuration,
    ),
    Op.CACHE_GET_OR_CREATE_WITH_CONFIGURATION: (
        cc.decode_cache_get_or_create_with_configuration,
        cc.encode_cache_get_or_create_with_configuration,
    ),
    Op.CACHE_GET_CONFIGURATION: (
        cc.decode_cache_get_configuration,
        cc.encode_cache_get_configuration,
    ),
    Op.CACHE_DESTROY: (cc.decode_cache_destroy, cc.encode_cache_destroy),
    Op.CACHE_NODE_PARTITIONS: (
        partitions.decode_cache_node_partitions,
        partitions.encode_cache_node_partitions,
    ),
    Op.CACHE_PARTITIONS: (
        partitions.decode_cache_partitions,
        partitions.encode_cache_partitions,
    ),
    Op.QUERY_SCAN: (query.decode_scan_query, query.encode_scan_query),
    Op.QUERY_SCAN_CURSOR_GET_PAGE: (
        query.decode_scan_cursor_get_page,
        query.encode_scan_cursor_get_page,
    ),
    Op.QUERY_SQL: (query.decode_sql_query, query.encode_sql_query),
    Op.QUERY_SQL_CURSOR_GET_PAGE: (
        query.decode_sql_cursor_get_page,
        query.encode_sql_cursor_get_page,
    ),
    Op.QUERY_SQL_FIELDS: (query.decode_sql_fields_query, query.encode_sql_fields_query),
    Op.QUERY_SQL_FIELDS_CURSOR_GET_PAGE: (
        query.decode_sql_fields_cursor_get_page,
        query.encode_sql_fields_cursor_get_page,
    ),
    Op.QUERY_CONTINUOUS: (
        continuous.decode_continuous_query,
        continuous.encode_continuous_query,
    ),
    Op.GET_BINARY_TYPE_NAME: (
        bt.decode_get_binary_type_name,
        bt.encode_get_binary_type_name,
    ),
    Op.REGISTER_BINARY_TYPE_NAME: (
        bt.decode_register_binary_type_name,
        bt.encode_register_binary_type_name,
    ),
    Op.GET_BINARY_TYPE: (bt.decode_get_binary_type, bt.encode_get_binary_type),
    Op.PUT_BINARY_TYPE: (bt.decode_put_binary_type, bt.encode_put_binary_type),
    Op.GET_BINARY_CONFIGURATION: (
        bt.decode_get_binary_configuration,
        bt.encode_get_binary_configuration,
    ),
    Op.TX_START: (tx.decode_tx_start, tx.encode_tx_start),
    Op.TX_END: (tx.decode_tx_end, tx.encode_tx_end),
    Op.CLUSTER_GET_STATE: (
        cluster.decode_cluster_get_state,
        cluster.encode_cluster_get_state,
    ),
    Op.CLUSTER_CHANGE_STATE: (
        cluster.decode_cluster_change_state,
        cluster.encode_cluster_change_state,
    ),
    Op.CLUSTER_CHANGE_WAL_STATE: (
        cluster.decode_cluster_change_wal_state,
        cluster.encode_cluster_change_wal_state,
    ),
    Op.CLUSTER_GET_WAL_STATE: (
        cluster.decode_cluster_get_wal_state,
        cluster.encode_cluster_get_wal_state,
    ),
    Op.CLUSTER_GROUP_GET_NODE_IDS: (cg.decode_get_node_ids, cg.encode_get_node_ids),
    Op.CLUSTER_GROUP_GET_NODE_INFO: (cg.decode_get_node_info, cg.encode_get_node_info),
    Op.CLUSTER_GROUP_GET_NODE_ENDPOINTS: (
        cg.decode_get_node_endpoints,
        cg.encode_get_node_endpoints,
    ),
}
"""Request body codecs by op code."""

RESPONSES: dict[Op, tuple[Decoder, Encoder]] = {
    Op.RESOURCE_CLOSE: _EMPTY,
    Op.HEARTBEAT: _EMPTY,
    Op.GET_IDLE_TIMEOUT: (
        general.decode_get_idle_timeout_response,
        general.encode_get_idle_timeout_response,
    ),
    Op.CACHE_GET: _OBJECT,
    Op.CACHE_PUT: _EMPTY,
    Op.CACHE_PUT_IF_ABSENT: _BOOL,
    Op.CACHE_GET_ALL: (
        kv.decode_cache_get_all_response,
        kv.encode_cache_get_all_response,
    ),
    Op.CACHE_PUT_ALL: _EMPTY,
    Op.CACHE_GET_AND_PUT: _OBJECT,
    Op.CACHE_GET_AND_REPLACE: _OBJECT,
    Op.CACHE_GET_AND_REMOVE: _OBJECT,
    Op.CACHE_GET_AND_PUT_IF_ABSENT: _OBJECT,
    Op.CACHE_REPLACE: _BOOL,
    Op.CACHE_REPLACE_IF_EQUALS: _BOOL,
    Op.CACHE_CONTAINS_KEY: _BOOL,
    Op.CACHE_CONTAINS_KEYS: _BOOL,
    Op.CACHE_CLEAR: _EMPTY,
    Op.CACHE_CLEAR_KEY: _EMPTY,
    Op.CACHE_CLEAR_KEYS: _EMPTY,
    Op.CACHE_REMOVE_KEY: _BOOL,
    Op.CACHE_REMOVE_IF_EQUALS: _BOOL,
    Op.CACHE_REMOVE_KEYS: _EMPTY,
    Op.CACHE_REMOVE_ALL: _EMPTY,
    Op.CACHE_GET_SIZE: (general.decode_long_response, general.encode_long_response),
    Op.CACHE_LOCAL_PEEK: _OBJECT,
    Op.CACHE_GET_NAMES: (
        cc.decode_cache_get_names_response,
        cc.encode_cache_get_names_response,
    ),
    Op.CACHE_CREATE_WITH_NAME: _EMPTY,
    Op.CACHE_GET_OR_CREATE_WITH_NAME: _EMPTY,
    Op.CACHE_CREATE_WITH_CONFIGURATION: _EMPTY,
    Op.CACHE_GET_OR_CREATE_WITH_CONFIGURATION: _EMPTY,
    Op.CACHE_GET_CONFIGURATION: (
        cc.decode_cache_get_configuration_response,
        cc.encode_cache_get_configuration_response,
    ),
    Op.CACHE_DESTROY: _EMPTY,
    Op.CACHE_NODE_PARTITIONS: (
        partitions.decode_cache_node_partitions_response,
        partitions.encode_cache_node_partitions_response,
    ),
    Op.CACHE_PARTITIONS: (
        partitions.decode_cache_partitions_response,
        partitions.encode_cache_partitions_response,
    ),
    Op.QUERY_SCAN: _ENTRY_CURSOR,
    Op.QUERY_SCAN_CURSOR_GET_PAGE: _ENTRY_PAGE,
    Op.QUERY_SQL: _ENTRY_CURSOR,
    Op.QUERY_SQL_CURSOR_GET_PAGE: _ENTRY_PAGE,
    Op.QUERY_SQL_FIELDS: (
        query.decode_sql_fields_response,
        query.encode_sql_fields_response,
    ),
    Op.QUERY_SQL_FIELDS_CURSOR_GET_PAGE: (
        query.decode_row_page_response,
        query.encode_row_page_response,
    ),
    Op.QUERY_CONTINUOUS: (general.decode_long_response, general.encode_long_response),
    Op.GET_BINARY_TYPE_NAME: (
        bt.decode_get_binary_type_name_response,
        bt.encode_get_binary_type_name_response,
    ),
    Op.REGISTER_BINARY_TYPE_NAME: _BOOL,
    Op.GET_BINARY_TYPE: (
        bt.decode_get_binary_type_response,
        bt.encode_get_binary_type_response,
    ),
    Op.PUT_BINARY_TYPE: _EMPTY,
    Op.GET_BINARY_CONFIGURATION: (
        bt.decode_get_binary_configuration_response,
        bt.encode_get_binary_configuration_response,
    ),
    Op.TX_START: (tx.decode_tx_start_response, tx.encode_tx_start_response),
    Op.TX_END: _EMPTY,
    Op.CLUSTER_GET_STATE: (
        cluster.decode_cluster_get_state_response,
        cluster.encode_cluster_get_state_response,
    ),
    Op.CLUSTER_CHANGE_STATE: _EMPTY,
    Op.CLUSTER_CHANGE_WAL_STATE: _BOOL,
    Op.CLUSTER_GET_WAL_STATE: _BOOL,
    Op.CLUSTER_GROUP_GET_NODE_IDS: (
        cg.decode_get_node_ids_response,
        cg.encode_get_node_ids_response,
    ),
    Op.CLUSTER_GROUP_GET_NODE_INFO: (
        cg.decode_get_node_info_response,
        cg.encode_get_node_info_response,
    ),
    Op.CLUSTER_GROUP_GET_NODE_ENDPOINTS: (
        cg.decode_get_node_endpoints_response,
        cg.encode_get_node_endpoints_response,
    ),
}
"""Response body codecs by op code (what a successful response carries)."""
