"""``embergrid demo``: the pyignite examples, run with embergrid's client against an
embergrid node started in this process.

Owns the demo script only. Each section is one example of the pyignite documentation
(key-value, type hints, scans, collections, complex objects, migration, expiry,
transactions, SQL) and prints what that documentation prints (SQL on six rows of
the world sample rather than all of it). Ctrl-C ends it quietly. Imports the
client and the server (cli is the top layer).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from embergrid import Client, GenericObjectMeta
from embergrid.datatypes import (
    BoolObject,
    CharObject,
    CollectionObject,
    DateObject,
    DecimalObject,
    ExpiryPolicy,
    IntObject,
    MapObject,
    ObjectArrayObject,
    ShortObject,
    String,
)
from embergrid.datatypes.cache_config import CacheAtomicityMode
from embergrid.datatypes.prop_codes import (
    PROP_CACHE_ATOMICITY_MODE,
    PROP_EXPIRY_POLICY,
    PROP_NAME,
)
from embergrid.datatypes.transactions import (
    TransactionConcurrency,
    TransactionIsolation,
)
from embergrid.errors import CacheError
from embergrid.server.thread import ServerThread

Example = Callable[[Client], None]


def key_value(client: Client) -> None:
    my_cache = client.create_cache("my cache")
    my_cache.put("my key", 42)
    print(my_cache.get("my key"))  # 42
    print(my_cache.get("non-existent key"))  # None
    print(
        my_cache.get_all(["my key", "non-existent key", "other-key"])
    )  # {'my key': 42}
    my_cache.destroy()


def type_hints(client: Client) -> None:
    my_cache = client.create_cache("my cache")
    my_cache.put("my key", 42)
    my_cache.put("my key", 42, value_hint=ShortObject)
    my_cache.put("a", 1)
    my_cache.put("a", 2, key_hint=CharObject)
    print(my_cache.get("a"))  # 1
    print(my_cache.get("a", key_hint=CharObject))  # 2
    my_cache.remove_keys(["a", ("a", CharObject)])
    my_cache.destroy()


def scans(client: Client) -> None:
    my_cache = client.create_cache("my cache")
    my_cache.put_all({f"key_{v}": v for v in range(20)})
    with my_cache.scan() as cursor:
        for k, v in cursor:
            print(k, v)
    with my_cache.scan() as cursor:
        print(dict(cursor))
    my_cache.destroy()


def collections(client: Client) -> None:
    my_cache = client.create_cache("my cache")
    value = OrderedDict([(1, "test"), ("key", 2.0)])
    my_cache.put("my dict", (MapObject.LINKED_HASH_MAP, value))
    print(my_cache.get("my dict"))  # (2, OrderedDict([(1, 'test'), ('key', 2.0)]))
    my_cache.put("my dict", (MapObject.HASH_MAP, value))
    print(my_cache.get("my dict"))  # (1, {'key': 2.0, 1: 'test'})
    my_cache.put("my list", (CollectionObject.LINKED_LIST, [1, "2", 3.0]))
    print(my_cache.get("my list"))  # (2, [1, '2', 3.0])
    my_cache.put("my set", (CollectionObject.HASH_SET, [4, 4, "test", 5.6]))
    print(my_cache.get("my set"))  # (3, [5.6, 4, 'test'])
    my_cache.put(
        "my array of objects",
        (ObjectArrayObject.OBJECT, [7, "8", 9.0]),
        value_hint=ObjectArrayObject,
    )
    print(my_cache.get("my array of objects"))  # (-1, [7, '8', 9.0])
    my_cache.destroy()


class Person(
    metaclass=GenericObjectMeta,
    schema=OrderedDict(
        [("first_name", String), ("last_name", String), ("age", IntObject)]
    ),
):
    pass


def complex_objects(client: Client) -> None:
    person_cache = client.get_or_create_cache("person")
    person_cache.put(1, Person(first_name="Ivan", last_name="Ivanov", age=33))
    person = person_cache.get(1)
    print(person.__class__.__name__)  # Person
    print(person)  # Person(first_name='Ivan', last_name='Ivanov', age=33, version=1)
    person_cache.destroy()


class ExpenseVoucher(
    metaclass=GenericObjectMeta,
    schema=OrderedDict(
        [
            ("date", DateObject),
            ("reported", BoolObject),
            ("purpose", String),
            ("sum", DecimalObject),
            ("recipient", String),
            ("cashier_id", IntObject),
        ]
    ),
):
    pass


def migrate(client: Client) -> None:
    accounting = client.get_or_create_cache("accounting")
    accounting.put(
        1,
        ExpenseVoucher(
            date=datetime(2017, 9, 21),
            reported=True,
            purpose="Praesent eget fermentum massa",
            sum=Decimal("666.67"),
            recipient="John Doe",
            cashier_id=8,
        ),
    )
    data_classes = client.query_binary_type("ExpenseVoucher")
    _, data_class = data_classes.popitem()
    schema = data_class.schema
    schema["expense_date"] = schema["date"]
    del schema["date"]
    schema["report_date"] = DateObject
    del schema["reported"]
    schema["sum"] = DecimalObject

    class ExpenseVoucherV2(
        metaclass=GenericObjectMeta, type_name="ExpenseVoucher", schema=schema
    ):
        pass

    with accounting.scan() as cursor:
        for key, old_value in cursor:
            print(old_value)
            new_value = ExpenseVoucherV2()
            new_value.sum = old_value.sum
            new_value.purpose = old_value.purpose
            new_value.recipient = old_value.recipient
            new_value.cashier_id = old_value.cashier_id
            new_value.expense_date = old_value.date
            new_value.report_date = (
                datetime.combine(date.today(), datetime.min.time())
                if old_value.reported
                else None
            )
            accounting.put(key, new_value)
            print(accounting.get(key))
    accounting.destroy()


def expiry(client: Client) -> None:
    ttl_cache = client.create_cache(
        {
            PROP_NAME: "test",
            PROP_EXPIRY_POLICY: ExpiryPolicy(create=timedelta(seconds=1.0)),
        }
    )
    ttl_cache.put(1, 1)
    time.sleep(0.5)
    print(f"key = {1}, value = {ttl_cache.get(1)}")  # key = 1, value = 1
    time.sleep(1.2)
    print(f"key = {1}, value = {ttl_cache.get(1)}")  # key = 1, value = None
    ttl_cache.destroy()

    simple_cache = client.create_cache("simple")
    ttl_cache = simple_cache.with_expire_policy(access=timedelta(seconds=1.0))
    ttl_cache.put(1, 1)
    time.sleep(0.5)
    print(f"key = {1}, value = {ttl_cache.get(1)}")  # key = 1, value = 1
    time.sleep(1.7)
    print(f"key = {1}, value = {ttl_cache.get(1)}")  # key = 1, value = None
    simple_cache.destroy()


def transactions(client: Client) -> None:
    cache = client.get_or_create_cache(
        {
            PROP_NAME: "tx_cache",
            PROP_CACHE_ATOMICITY_MODE: CacheAtomicityMode.TRANSACTIONAL,
        }
    )
    key = 1
    with client.tx_start(
        isolation=TransactionIsolation.REPEATABLE_READ,
        concurrency=TransactionConcurrency.PESSIMISTIC,
    ) as tx:
        cache.put(key, "success")
        tx.commit()
    print(f"key={key} value={cache.get(key)}")  # key=1 value=success

    try:
        with client.tx_start(
            isolation=TransactionIsolation.REPEATABLE_READ,
            concurrency=TransactionConcurrency.PESSIMISTIC,
        ):
            cache.put(key, "fail")
            raise RuntimeError("test")
    except RuntimeError:
        pass
    print(f"key={key} value={cache.get(key)}")  # key=1 value=success

    try:
        with client.tx_start(timeout=1000, label="long-tx") as tx:
            cache.put(key, "fail")
            time.sleep(2.0)
            tx.commit()
    except CacheError as e:
        # Cache transaction timed out: GridNearTxLocal[...timeout=1000, ...
        # label=long-tx]
        print(e)
    print(f"key={key} value={cache.get(key)}")  # key=1 value=success
    cache.destroy()


# The six most populated cities of the world sample pyignite's SQL example loads.
_CITIES = [
    (1024, "Mumbai (Bombay)", "IND", "Maharashtra", 10500000),
    (1890, "Shanghai", "CHN", "Shanghai", 9696300),
    (3793, "New York", "USA", "New York", 8008278),
    (1891, "Peking", "CHN", "Peking", 7472000),
    (1025, "Delhi", "IND", "Delhi", 7206704),
    (1892, "Chongqing", "CHN", "Chongqing", 6351600),
]


def sql(client: Client) -> None:
    client.sql(
        '''CREATE TABLE City (
    ID INT(11),
    Name CHAR(35),
    CountryCode CHAR(3),
    District CHAR(20),
    Population INT(11),
    PRIMARY KEY (ID, CountryCode)
) WITH "affinityKey=CountryCode"'''
    )
    client.sql("CREATE INDEX idx_country_code ON city (CountryCode)")
    insert = """INSERT INTO City(
    ID, Name, CountryCode, District, Population
) VALUES (?, ?, ?, ?, ?)"""
    for row in _CITIES:
        client.sql(insert, query_args=row)
    query = "SELECT name, population FROM City ORDER BY population DESC LIMIT 3"
    with client.sql(query) as cursor:
        print("Most 3 populated cities:")
        for row in cursor:
            print(row)
    # Most 3 populated cities:
    # ['Mumbai (Bombay)', 10500000]
    # ['Shanghai', 9696300]
    # ['New York', 8008278]
    with client.sql(
        "SELECT countrycode, SUM(population) AS total FROM City"
        " GROUP BY countrycode ORDER BY total DESC",
        include_field_names=True,
    ) as cursor:
        print(next(cursor))
        for row in cursor:
            print(row)
    # ['COUNTRYCODE', 'TOTAL']
    # ['CHN', 23519900]
    # ['IND', 17706704]
    # ['USA', 8008278]
    client.sql("DROP TABLE City")


EXAMPLES: list[tuple[str, Example]] = [
    ("Key-value (get_and_put.py)", key_value),
    ("Type hints (type_hints.py)", type_hints),
    ("Scan (scans.py)", scans),
    ("Object collections (get_and_put_complex.py)", collections),
    ("Complex objects (binary_basics.py)", complex_objects),
    ("Migrate (migrate_binary.py)", migrate),
    ("Expiry policy (expiry_policy.py)", expiry),
    ("Transactions (transactions.py)", transactions),
    ("SQL (sql.py)", sql),
]


def run_demo() -> int:
    try:
        with ServerThread() as server:
            print(
                f"embergrid node {server.node.consistent_id} "
                f"listening on {server.host}:{server.port}"
            )
            client = Client()
            with client.connect(server.host, server.port):
                for title, example in EXAMPLES:
                    print(f"\n== {title}")
                    example(client)
    except KeyboardInterrupt:
        print("\ninterrupted", flush=True)
        return 130
    return 0
