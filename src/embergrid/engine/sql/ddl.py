"""DDL: CREATE/DROP TABLE, CREATE/DROP INDEX, ALTER TABLE ADD/DROP COLUMN.

Owns ``Ddl``. CREATE TABLE is parsed by sqlglot after its Ignite ``WITH "..."``
clause is lifted out (the only regex in the SQL layer); the other statements,
which sqlglot does not know in Ignite's form (``DROP TABLE t IF EXISTS``,
``INLINE_SIZE``/``PARALLEL``), are read from sqlglot's token stream. A table is
created as cache ``SQL_<SCHEMA>_<TABLE>`` whose query entity is shaped as Ignite
2.17 shapes it (verified on the reference node). Must not import asyncio or
``embergrid.protocol.messages``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError as GlotError
from sqlglot.tokenizer_core import Token, TokenType
from sqlglot.tokens import Tokenizer

from embergrid.engine import sqltext
from embergrid.engine.caches import Caches
from embergrid.engine.errors import EngineError
from embergrid.engine.sql import messages as m
from embergrid.engine.sql.catalog import Catalog, Column, Table
from embergrid.engine.sql.types import from_sql_name
from embergrid.protocol.codes import StatusCode
from embergrid.protocol.config import (
    CacheConfiguration,
    CacheKeyConfiguration,
    QueryEntity,
    QueryField,
)

__all__ = ["Ddl", "fail", "ident_tokens"]

_WITH = re.compile(r'\bWITH\s+"([^"]*)"\s*;?\s*$', re.IGNORECASE)
_REPLICATED, _PARTITIONED = 1, 2
_ATOMICITY = {"TRANSACTIONAL": 0, "ATOMIC": 1, "TRANSACTIONAL_SNAPSHOT": 2}


def fail(text: str) -> EngineError:
    return EngineError(StatusCode.FAILED, text)


def ident(tok: Token) -> str:
    """Identifier text under Ignite's rule: quoted kept, unquoted upper-cased."""
    return tok.text if tok.token_type == TokenType.IDENTIFIER else tok.text.upper()


def ident_tokens(sql: str) -> list[Token]:
    return [t for t in Tokenizer().tokenize(sql) if t.token_type != TokenType.SEMICOLON]


class _Tokens:
    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.toks = ident_tokens(sql)
        self.i = 0

    def peek(self, *words: str) -> bool:
        ws = [w.upper() for w in words]
        seg = self.toks[self.i : self.i + len(ws)]
        return len(seg) == len(ws) and all(
            t.token_type != TokenType.IDENTIFIER and t.text.upper() == w
            for t, w in zip(seg, ws, strict=True)
        )

    def accept(self, *words: str) -> bool:
        if self.peek(*words):
            self.i += len(words)
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            raise fail(m.syntax_error(self.sql))

    def name(self) -> tuple[str | None, str]:
        """``[schema.]name`` -> (schema or None, name)."""
        first = self.next()
        if self.accept("."):
            return ident(first), ident(self.next())
        return None, ident(first)

    def next(self) -> Token:
        if self.i >= len(self.toks):
            raise fail(m.syntax_error(self.sql))
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def done(self) -> bool:
        return self.i >= len(self.toks)


def _with_params(text: str) -> dict[str, str]:
    out = {}
    for part in text.split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip().lower().replace("_", "")] = v.strip()
    return out


class Ddl:
    """Runs DDL statements against the catalog and the cache registry."""

    def __init__(self, catalog: Catalog, caches: Caches) -> None:
        self.catalog = catalog
        self.caches = caches

    def run(self, sql: str, schema: str) -> bool:
        """Execute one DDL statement; True when a cache was created or destroyed."""
        t = _Tokens(sql)
        if t.accept("CREATE", "TABLE"):
            return self.create_table(sql, schema)
        if t.accept("DROP", "TABLE"):
            return self.drop_table(t, schema)
        if t.accept("CREATE"):
            t.accept("UNIQUE")
            t.accept("SPATIAL")
            if t.accept("INDEX"):
                self.create_index(t, schema)
                return False
        if t.accept("DROP", "INDEX"):
            self.drop_index(t, schema)
            return False
        if t.accept("ALTER", "TABLE"):
            self.alter_table(t, schema)
            return False
        raise fail(m.syntax_error(sql))

    # -- CREATE TABLE -------------------------------------------------------------

    def create_table(self, sql: str, schema: str) -> bool:
        params: dict[str, str] = {}
        body = sql
        found = _WITH.search(sql)
        if found:
            params = _with_params(found.group(1))
            body = sql[: found.start()]
        try:
            node = sqlglot.parse_one(body, read="sqlite")
        except GlotError:
            raise fail(m.syntax_error(sql)) from None
        if not isinstance(node, exp.Create) or not isinstance(node.this, exp.Schema):
            raise fail(m.syntax_error(sql))
        table_node = node.this.this
        tname = _ident_name(table_node.this)
        if table_node.db:
            schema = _ident_name(table_node.args["db"])
        defs = [d for d in node.this.expressions if isinstance(d, exp.ColumnDef)]
        pk_inline = [
            d
            for d in defs
            if any(
                isinstance(c.args.get("kind"), exp.PrimaryKeyColumnConstraint)
                for c in d.args.get("constraints") or []
            )
        ]
        pk_names = {
            _ident_name(e.this if isinstance(e, exp.Ordered) else e)
            for d in node.this.expressions
            if isinstance(d, exp.PrimaryKey)
            for e in d.expressions
        }
        if defs and all(
            d in pk_inline or _ident_name(d.this) in pk_names for d in defs
        ):
            raise fail("0A000: Table must have at least one non PRIMARY KEY column.")
        if self.catalog.table(schema, tname) is not None:
            if node.args.get("exists"):
                return False
            raise fail(m.table_exists(tname))
        cfg = self._config(body, node.this, schema, tname, params)
        self.caches.create(cfg)
        self.catalog.mark_ddl(cfg.name)
        return True

    def _config(
        self,
        body: str,
        schema_node: exp.Schema,
        schema: str,
        tname: str,
        params: dict[str, str],
    ) -> CacheConfiguration:
        raw_types = _raw_type_names(body)
        cols: list[tuple[str, str, int, int, bool]] = []
        pk: list[str] = []
        for d in schema_node.expressions:
            if isinstance(d, exp.ColumnDef):
                name = _ident_name(d.this)
                kind = d.args["kind"]
                sql_name = raw_types.get(name) or str(kind.this.name)
                typ = from_sql_name(sql_name) or from_sql_name(str(kind.this.name))
                if typ is None:
                    raise fail(m.syntax_error(body, f"unknown data type {sql_name}"))
                ps = [
                    int(p.this.this)
                    for p in kind.expressions
                    if isinstance(p.this, exp.Literal)
                ]
                prec, scale = -1, -1
                if typ.name == "VARCHAR" and ps:
                    prec = ps[0]
                if typ.name == "DECIMAL" and ps:
                    prec, scale = ps[0], (ps[1] if len(ps) > 1 else -1)
                notnull = False
                for c in d.args.get("constraints") or []:
                    if isinstance(c.args.get("kind"), exp.PrimaryKeyColumnConstraint):
                        pk.append(name)
                    if isinstance(c.args.get("kind"), exp.NotNullColumnConstraint):
                        notnull = True
                cols.append((name, typ.java, prec, scale, notnull))
            elif isinstance(d, exp.PrimaryKey):
                pk.extend(
                    _ident_name(e.this if isinstance(e, exp.Ordered) else e)
                    for e in d.expressions
                )
        if not pk:
            raise fail(m.no_primary_key())
        cache_name = params.get("cachename") or f"SQL_{schema}_{tname}"
        u = str(uuid.uuid4()).replace("-", "_")
        value_type = params.get("valuetype") or f"SQL_{schema}_{tname}_{u}"
        wrap_key = params.get("wrapkey", "").lower() == "true" or len(pk) > 1
        by_name = {c[0]: c for c in cols}
        if wrap_key:
            key_type = params.get("keytype") or f"{value_type}_KEY"
            key_field = None
        else:
            key_type = params.get("keytype") or by_name[pk[0]][1]
            key_field = pk[0]
        fields = tuple(
            QueryField(
                name,
                java,
                is_key_field=wrap_key and name in pk,
                is_notnull_constraint_field=notnull,
                precision=prec,
                scale=scale,
            )
            for name, java, prec, scale, notnull in cols
        )
        entity = QueryEntity(
            key_type,
            value_type,
            tname,
            key_field,
            None,
            fields,
            tuple((c[0], c[0]) for c in cols),
            (),
        )
        aff = params.get("affinitykey")
        keycfg: tuple[CacheKeyConfiguration, ...] = ()
        if aff and wrap_key:
            keycfg = (CacheKeyConfiguration(key_type, aff.upper()),)
        template = params.get("template", "partitioned").lower()
        return CacheConfiguration(
            name=cache_name,
            cache_mode=_REPLICATED if template == "replicated" else _PARTITIONED,
            atomicity_mode=_ATOMICITY.get(params.get("atomicity", "ATOMIC").upper(), 1),
            backups=int(params.get("backups", "0")),
            write_synchronization_mode=0,  # FULL_SYNC, as Ignite's CREATE TABLE
            query_entities=(entity,),
            sql_schema=f'"{schema}"',
            sql_escape_all=True,
            key_configuration=keycfg,
        )

    # -- DROP TABLE -----------------------------------------------------------------

    def drop_table(self, t: _Tokens, schema: str) -> bool:
        if_exists = t.accept("IF", "EXISTS")
        sch, name = t.name()
        if_exists = t.accept("IF", "EXISTS") or if_exists
        table = self.catalog.table(sch or schema, name)
        if table is None:
            if if_exists:
                return False
            raise fail(m.table_not_found_ddl(name))
        if not self.catalog.created_by_ddl(table.cache_name):
            raise fail(m.drop_not_ddl(table.cache_name))
        self.caches.destroy(table.cache_id)
        self.catalog.unmark_ddl(table.cache_name)
        return True

    # -- indexes --------------------------------------------------------------------

    def create_index(self, t: _Tokens, schema: str) -> None:
        if_not = t.accept("IF", "NOT", "EXISTS")
        _, iname = t.name()
        t.expect("ON")
        sch, tname = t.name()
        table = self._table(sch or schema, tname)
        t.expect("(")
        cols: list[tuple[Column, bool]] = []
        while True:
            cname = ident(t.next())
            col = table.column(cname)
            if col is None:
                raise fail(m.column_not_found(cname, t.sql))
            desc = t.accept("DESC")
            t.accept("ASC")
            cols.append((col, desc))
            if not t.accept(","):
                break
        t.expect(")")
        conn = self.catalog.conn
        row = conn.execute(
            "SELECT 1 FROM sql_indexes WHERE schema = ? AND name = ?",
            (table.schema, iname),
        ).fetchone()
        if row is not None:
            if if_not:
                return
            raise fail(m.index_exists(iname))
        self.catalog.add_index(table, iname, cols)

    def drop_index(self, t: _Tokens, schema: str) -> None:
        if_exists = t.accept("IF", "EXISTS")
        sch, iname = t.name()
        conn = self.catalog.conn
        row = conn.execute(
            "SELECT sqlite_name FROM sql_indexes WHERE schema = ? AND name = ?",
            (sch or schema, iname),
        ).fetchone()
        if row is None:
            if if_exists:
                return
            raise fail(m.index_not_found(iname))
        conn.execute(f"DROP INDEX IF EXISTS {sqltext.ident(row[0])}")
        conn.execute(
            "DELETE FROM sql_indexes WHERE schema = ? AND name = ?",
            (sch or schema, iname),
        )

    # -- ALTER TABLE ------------------------------------------------------------------

    def alter_table(self, t: _Tokens, schema: str) -> None:
        t.accept("IF", "EXISTS")
        sch, tname = t.name()
        table = self._table(sch or schema, tname)
        e = table.entity
        if t.accept("ADD"):
            t.accept("COLUMN")
            if_not = t.accept("IF", "NOT", "EXISTS")
            cname = ident(t.next())
            tname_tok = t.next().text
            typ = from_sql_name(tname_tok)
            if typ is None:
                raise fail(m.syntax_error(t.sql))
            if table.column(cname) is not None:
                if if_not:
                    return
                raise fail(f"42000: Column already exists: {cname}")
            fields = (*e.query_fields, QueryField(cname, typ.java))
            aliases = (*e.field_name_aliases, (cname, cname))
            self._save(
                table, replace(e, query_fields=fields, field_name_aliases=aliases)
            )
            return
        if t.accept("DROP"):
            t.accept("COLUMN")
            if_exists = t.accept("IF", "EXISTS")
            cname = ident(t.next())
            col = table.column(cname)
            if col is None:
                if if_exists:
                    return
                raise fail(m.column_not_found(cname, t.sql))
            fields = tuple(f for f in e.query_fields if f.name != cname)
            aliases = tuple(a for a in e.field_name_aliases if a[0] != cname)
            self._save(
                table, replace(e, query_fields=fields, field_name_aliases=aliases)
            )
            return
        raise fail(m.unsupported(t.sql))

    def _save(self, table: Table, entity: QueryEntity) -> None:
        cfg = table.config
        entities = tuple(entity if x is table.entity else x for x in cfg.query_entities)
        self.caches.update_config(table.cache_id, replace(cfg, query_entities=entities))
        self.catalog.refresh()

    def _table(self, schema: str, name: str) -> Table:
        table = self.catalog.table(schema, name)
        if table is None:
            raise fail(m.table_not_found_ddl(name))
        return table


def _ident_name(node: Any) -> str:
    if isinstance(node, exp.Identifier):
        return node.name if node.quoted else node.name.upper()
    return str(node.name).upper()


def _raw_type_names(body: str) -> dict[str, str]:
    """Column name -> the type word as written (sqlglot folds REAL into FLOAT)."""
    out: dict[str, str] = {}
    depth, expect_name = 0, False
    prev: Token | None = None
    for tok in ident_tokens(body):
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
            expect_name = depth == 1
            continue
        if tok.token_type == TokenType.R_PAREN:
            depth -= 1
            continue
        if depth != 1:
            continue
        if tok.token_type == TokenType.COMMA:
            expect_name = True
            continue
        if expect_name:
            prev, expect_name = tok, False
            continue
        if prev is not None:
            out.setdefault(ident(prev), tok.text.upper())
            prev = None
    return out
