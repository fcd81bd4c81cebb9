"""The world sample and the seed's DDL for the SQL tests (a module name no other
test directory uses, so ``from _world import ...`` is unambiguous)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

WORLD = Path(__file__).resolve().parents[1] / "data" / "world-sample.json"

COUNTRY = """CREATE TABLE Country (
    Code CHAR(3) PRIMARY KEY,
    Name CHAR(52),
    Continent CHAR(50),
    Region CHAR(26),
    SurfaceArea DECIMAL(10,2),
    IndepYear SMALLINT(6),
    Population INT(11),
    LifeExpectancy DECIMAL(3,1),
    GNP DECIMAL(10,2),
    GNPOld DECIMAL(10,2),
    LocalName CHAR(45),
    GovernmentForm CHAR(45),
    HeadOfState CHAR(60),
    Capital INT(11),
    Code2 CHAR(2)
)"""

CITY = """CREATE TABLE City (
    ID INT(11),
    Name CHAR(35),
    CountryCode CHAR(3),
    District CHAR(20),
    Population INT(11),
    PRIMARY KEY (ID, CountryCode)
) WITH "affinityKey=CountryCode\""""

LANGUAGE = """CREATE TABLE CountryLanguage (
    CountryCode CHAR(3),
    Language CHAR(30),
    IsOfficial BOOLEAN,
    Percentage DECIMAL(4,1),
    PRIMARY KEY (CountryCode, Language)
) WITH "affinityKey=CountryCode\""""

INDEXES = (
    "CREATE INDEX idx_country_code ON city (CountryCode)",
    "CREATE INDEX idx_lang_country_code ON CountryLanguage (CountryCode)",
)


def _value(v: Any) -> Any:
    return Decimal(v["decimal"]) if isinstance(v, dict) else v


def load_world() -> dict[str, Any]:
    data = json.loads(WORLD.read_text())
    return {
        "columns": data["columns"],
        **{t: [[_value(v) for v in row] for row in data[t]] for t in data["columns"]},
    }


def create_world(client: Any, world: dict[str, Any]) -> None:
    """The seed's sql example: three tables, two indexes, every sample row."""
    drop_world(client)
    for q in (COUNTRY, CITY, LANGUAGE, *INDEXES):
        client.sql(q)
    for table, cols in world["columns"].items():
        marks = ", ".join("?" * len(cols))
        q = f"INSERT INTO {table}({', '.join(cols)}) VALUES ({marks})"
        for row in world[table]:
            client.sql(q, query_args=row)


def drop_world(client: Any) -> None:
    for t in ("City", "CountryLanguage", "Country"):
        client.sql(f"DROP TABLE {t} IF EXISTS")
