"""Wire constants of the Ignite thin-client protocol as enums.

Owns op codes, status codes, data type codes, feature bits and header flags
(reference §3.5, §4, §5, §6, §8.1). Standard library only; imports nothing from
embergrid.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag

__all__ = [
    "CacheRequestFlag",
    "ClientType",
    "OpCode",
    "ProtocolFeature",
    "ResponseFlag",
    "StatusCode",
    "TypeCode",
]


class OpCode(IntEnum):
    """Request op codes (reference §6)."""

    RESOURCE_CLOSE = 0
    HEARTBEAT = 1
    GET_IDLE_TIMEOUT = 2

    CACHE_GET = 1000
    CACHE_PUT = 1001
    CACHE_PUT_IF_ABSENT = 1002
    CACHE_GET_ALL = 1003
    CACHE_PUT_ALL = 1004
    CACHE_GET_AND_PUT = 1005
    CACHE_GET_AND_REPLACE = 1006
    CACHE_GET_AND_REMOVE = 1007
    CACHE_GET_AND_PUT_IF_ABSENT = 1008
    CACHE_REPLACE = 1009
    CACHE_REPLACE_IF_EQUALS = 1010
    CACHE_CONTAINS_KEY = 1011
    CACHE_CONTAINS_KEYS = 1012
    CACHE_CLEAR = 1013
    CACHE_CLEAR_KEY = 1014
    CACHE_CLEAR_KEYS = 1015
    CACHE_REMOVE_KEY = 1016
    CACHE_REMOVE_IF_EQUALS = 1017
    CACHE_REMOVE_KEYS = 1018
    CACHE_REMOVE_ALL = 1019
    CACHE_GET_SIZE = 1020
    CACHE_LOCAL_PEEK = 1021

    CACHE_GET_NAMES = 1050
    CACHE_CREATE_WITH_NAME = 1051
    CACHE_GET_OR_CREATE_WITH_NAME = 1052
    CACHE_CREATE_WITH_CONFIGURATION = 1053
    CACHE_GET_OR_CREATE_WITH_CONFIGURATION = 1054
    CACHE_GET_CONFIGURATION = 1055
    CACHE_DESTROY = 1056

    CACHE_NODE_PARTITIONS = 1100
    CACHE_PARTITIONS = 1101

    QUERY_SCAN = 2000
    QUERY_SCAN_CURSOR_GET_PAGE = 2001
    QUERY_SQL = 2002
    QUERY_SQL_CURSOR_GET_PAGE = 2003
    QUERY_SQL_FIELDS = 2004
    QUERY_SQL_FIELDS_CURSOR_GET_PAGE = 2005
    QUERY_CONTINUOUS = 2006

    GET_BINARY_TYPE_NAME = 3000
    REGISTER_BINARY_TYPE_NAME = 3001
    GET_BINARY_TYPE = 3002
    PUT_BINARY_TYPE = 3003
    GET_BINARY_CONFIGURATION = 3004

    TX_START = 4000
    TX_END = 4001

    CLUSTER_GET_STATE = 5000
    CLUSTER_CHANGE_STATE = 5001
    CLUSTER_CHANGE_WAL_STATE = 5002
    CLUSTER_GET_WAL_STATE = 5003

    CLUSTER_GROUP_GET_NODE_IDS = 5100
    CLUSTER_GROUP_GET_NODE_INFO = 5101
    CLUSTER_GROUP_GET_NODE_ENDPOINTS = 5102


class StatusCode(IntEnum):
    """Response status codes (reference §5)."""

    SUCCESS = 0
    FAILED = 1
    INVALID_OP_CODE = 2
    FUNCTIONALITY_DISABLED = 100
    CACHE_DOES_NOT_EXIST = 1000
    CACHE_EXISTS = 1001
    TOO_MANY_CURSORS = 1010
    RESOURCE_DOES_NOT_EXIST = 1011
    SECURITY_VIOLATION = 1012
    TX_LIMIT_EXCEEDED = 1020
    TX_NOT_FOUND = 1021
    TOO_MANY_COMPUTE_TASKS = 1030
    AUTH_FAILED = 2000


class TypeCode(IntEnum):
    """Data object type codes (reference §8.1)."""

    BYTE = 1
    SHORT = 2
    INT = 3
    LONG = 4
    FLOAT = 5
    DOUBLE = 6
    CHAR = 7
    BOOL = 8
    STRING = 9
    UUID = 10
    DATE = 11
    BYTE_ARRAY = 12
    SHORT_ARRAY = 13
    INT_ARRAY = 14
    LONG_ARRAY = 15
    FLOAT_ARRAY = 16
    DOUBLE_ARRAY = 17
    CHAR_ARRAY = 18
    BOOL_ARRAY = 19
    STRING_ARRAY = 20
    UUID_ARRAY = 21
    DATE_ARRAY = 22
    OBJECT_ARRAY = 23
    COLLECTION = 24
    MAP = 25
    BINARY_OBJECT = 27
    ENUM = 28
    ENUM_ARRAY = 29
    DECIMAL = 30
    DECIMAL_ARRAY = 31
    CLASS = 32
    TIMESTAMP = 33
    TIMESTAMP_ARRAY = 34
    PROXY = 35
    TIME = 36
    TIME_ARRAY = 37
    BINARY_ENUM = 38
    BINARY_ARRAY = 39
    NULL = 101
    HANDLE = 102
    COMPLEX_OBJECT = 103


class ProtocolFeature(IntFlag):
    """Feature bits negotiated in the 1.7.0 handshake (reference §3.5)."""

    USER_ATTRIBUTES = 1 << 0
    EXECUTE_TASK_BY_NAME = 1 << 1
    CLUSTER_API = 1 << 2
    CLUSTER_GROUP_GET_NODES_ENDPOINTS = 1 << 3
    CLUSTER_GROUPS = 1 << 4
    SERVICE_INVOKE = 1 << 5
    DEFAULT_QRY_TIMEOUT = 1 << 6
    QRY_PARTITIONS_BATCH_SIZE = 1 << 7
    BINARY_CONFIGURATION = 1 << 8
    GET_SERVICE_DESCRIPTORS = 1 << 9
    SERVICE_INVOKE_CALLCTX = 1 << 10
    HEARTBEAT = 1 << 11
    DATA_REPLICATION_OPERATIONS = 1 << 12
    ALL_AFFINITY_MAPPINGS = 1 << 13
    INDEX_QUERY = 1 << 14
    INDEX_QUERY_LIMIT = 1 << 15
    SERVICE_TOPOLOGY = 1 << 16
    CACHE_INVOKE = 1 << 17
    TX_AWARE_QUERIES = 1 << 18


class ResponseFlag(IntFlag):
    """Flags of the response header for protocol >= 1.4.0 (reference §4.3)."""

    ERROR = 0x1
    AFFINITY_TOPOLOGY_CHANGED = 0x2
    NOTIFICATION = 0x4


class CacheRequestFlag(IntFlag):
    """Flags byte of the cache request prefix (reference §7.2)."""

    KEEP_BINARY = 0x01
    TRANSACTIONAL = 0x02
    WITH_EXPIRY_POLICY = 0x04


class ClientType(IntEnum):
    """Client type byte of the handshake request (reference §3.1)."""

    ODBC = 0
    JDBC = 1
    THIN = 2
