"""Generate docs/compatibility.md from test results (a pytest junit XML file).

Owns the mapping from tests to op codes and features, and the rendering of the
compatibility table: for each op code / feature, embergrid's server against Apache
Ignite 2.18 (tested-equal / diverges, with the reason from
tests/compat/divergences.py / fails / not run / missing) and embergrid's client
against pyignite (pending until tests/client has results).

Usage::

    python tools/compat_report.py                # runs pytest, writes the doc
    python tools/compat_report.py --junit r.xml  # renders an existing result
    python tools/compat_report.py --junit r.xml --output -   # to stdout

tests/compat/conftest.py writes each test's ``reference`` and ``divergence`` markers as
junit properties, which is how this script tells a differential test from the rest.
Imports only the standard library and tests/compat/divergences.py (by path).
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO / "docs" / "compatibility.md"
DIVERGENCES_FILE = REPO / "tests" / "compat" / "divergences.py"
TEST_DIRS = (
    "tests/compat",
    "tests/server",
    "tests/protocol",
    "tests/client",
    "tests/sql",
)

# tests/compat/test_diff_tx.py: each case runs on one side and is compared with the
# outcome pinned from Ignite 2.18 (its ignite side re-checks the pin), so both
# sides count; named by module.
TX_MODULE = "tests.compat.test_diff_tx::*"

# Every differential run of random op sequences exercises these ops.
RANDOM = "test_random_cache_op_sequences"
VALUES = ("test_value_ops", "test_key_ops", "test_key_hints_make_distinct_keys")

# tests/sql/test_sql_request_fields.py, tests/sql/test_sql_entities.py and the Java
# client's schema case: op 2004's request fields and key-value tables, on both servers.
SQL_REQUEST_FIELDS = (
    "test_statement_type",
    "test_a_query_seen_before_is_still_checked",
    "test_timeout_cancels_a_long_query",
    "test_timeout_cancels_the_reading_of_an_update",
    "test_no_timeout",
    "test_max_rows",
    "test_map_query_error",
    "test_explicit_schema_wins_over_the_cache_schema",
    "test_entity_indexes_give_the_row_order",
    "test_entity_indexes_are_sql_indexes",
    "test_insert_and_merge_set_a_plain_key",
    "test_plain_key_errors",
)
SQL_CORPUS = ("test_query", "test_query_with_args", "test_error", "test_dml_script")

# tests/compat/test_diff_cluster.py: three embergrid nodes on one data dir against a
# 3-node Ignite cluster (ops 1100, 1101, 1020, 1021, 5100-5102 and topology versions).
CLUSTER = "test_three_nodes_as_a_three_node_ignite_cluster"
# tests/compat/test_diff_baseline.py: three persistent embergrid nodes against a
# persistent 3-node Ignite cluster (the baseline: ops 1100, 1101, 5000, 5001).
BASELINE = "test_three_persistent_nodes_as_a_persistent_ignite_cluster"
# tests/compat/test_diff_cluster_group.py: ops 5100-5102 on one node, any request;
# tests/compat/test_java_thin_cluster.py: the Java client's cluster-group API and
# endpoint discovery on three embergrid nodes (the same checks pass on Ignite's).
CLUSTER_GROUP = "test_cluster_group_request"
JAVA_CLUSTER = "test_java_cluster_group_api_on_embergrid"

# Continuous queries (ops 2006 and its notifications, 2007): the Java thin client's
# ContinuousQuery (tests/compat/test_java_thin_continuous.py) and the grouping of
# events into notifications on one node and on 3-node clusters
# (tests/compat/test_diff_continuous.py) compare each side with what is pinned from
# Ignite 2.18, so those modules count both sides; our client's listen() runs against
# both servers (tests/client/test_listen.py).
CONTINUOUS = (
    "tests.compat.test_java_thin_continuous::*",
    "tests.compat.test_diff_continuous::*",
    "test_each_kind_of_change_gives_its_event",
    "test_remove_all_gives_a_removal_per_entry",
    "test_clearing_keys_is_heard_by_nobody_removing_them_is",
    "test_initial_query_rows_come_first",
    "test_a_callback_gets_each_event_on_its_own_thread",
    "test_ten_thousand_rapid_updates_arrive_all_in_order_per_key",
    "test_after_unsubscribing_no_event_comes",
    "test_a_dropped_connection_ends_the_iteration_with_a_clear_error",
)

# op code (name, number) -> the differential tests (function names) that exercise it.
OPS: list[tuple[str, int, tuple[str, ...]]] = [
    (
        "HANDSHAKE",
        1,
        ("test_put_get_on_each_target", "test_nodejs_client_put_get_getall_scan"),
    ),
    ("CACHE_GET", 1000, (*VALUES, RANDOM)),
    ("CACHE_PUT", 1001, (*VALUES, RANDOM)),
    ("CACHE_PUT_IF_ABSENT", 1002, ("test_value_ops", RANDOM)),
    ("CACHE_GET_ALL", 1003, (*VALUES, RANDOM)),
    ("CACHE_PUT_ALL", 1004, ("test_value_ops", RANDOM)),
    ("CACHE_GET_AND_PUT", 1005, ("test_value_ops", RANDOM)),
    ("CACHE_GET_AND_REPLACE", 1006, ("test_value_ops", RANDOM)),
    ("CACHE_GET_AND_REMOVE", 1007, ("test_value_ops", RANDOM)),
    ("CACHE_GET_AND_PUT_IF_ABSENT", 1008, ("test_value_ops", RANDOM)),
    ("CACHE_REPLACE", 1009, ("test_key_ops", RANDOM)),
    (
        "CACHE_REPLACE_IF_EQUALS",
        1010,
        (
            "test_value_ops",
            RANDOM,
            "test_compare_and_set_equality",
            "test_complex_sample_error_quotes_the_key",
            "test_complex_sample_error_with_a_double_key",
        ),
    ),
    ("CACHE_CONTAINS_KEY", 1011, ("test_value_ops", "test_key_ops", RANDOM)),
    (
        "CACHE_CONTAINS_KEYS",
        1012,
        (
            "test_key_ops",
            RANDOM,
            "test_expiry_by_create_ttl",
            "test_contains_keys_with_repeated_keys",
        ),
    ),
    ("CACHE_CLEAR", 1013, ("test_get_size_after_removals", RANDOM)),
    ("CACHE_CLEAR_KEY", 1014, ("test_get_size_after_removals", RANDOM)),
    ("CACHE_CLEAR_KEYS", 1015, ("test_get_size_after_removals", RANDOM)),
    ("CACHE_REMOVE_KEY", 1016, ("test_key_ops", RANDOM)),
    (
        "CACHE_REMOVE_IF_EQUALS",
        1017,
        (
            "test_value_ops",
            RANDOM,
            "test_compare_and_set_equality",
            "test_complex_sample_error_quotes_the_key",
            "test_complex_sample_error_with_a_double_key",
        ),
    ),
    ("CACHE_REMOVE_KEYS", 1018, ("test_get_size_after_removals", RANDOM)),
    ("CACHE_REMOVE_ALL", 1019, ("test_get_size_after_removals",)),
    (
        "CACHE_GET_SIZE",
        1020,
        ("test_get_size_peek_modes", "test_get_size_after_removals", RANDOM, CLUSTER),
    ),
    (
        "CACHE_LOCAL_PEEK",
        1021,
        (
            "test_local_peek_present_absent_and_modes",
            "test_local_peek_expired",
            CLUSTER,
        ),
    ),
    (
        "CACHE_GET_NAMES",
        1050,
        ("test_configuration_read_back", "test_put_get_on_each_target"),
    ),
    (
        "CACHE_CREATE_WITH_NAME",
        1051,
        ("test_create_by_name_settings", "test_common_mistakes"),
    ),
    (
        "CACHE_GET_OR_CREATE_WITH_NAME",
        1052,
        ("test_create_by_name_settings", "test_configuration_read_back"),
    ),
    (
        "CACHE_CREATE_WITH_CONFIGURATION",
        1053,
        (
            "test_configuration_read_back",
            "test_backups_read_back",
            "test_query_entity_reads_back_as_ignite_normalizes_it",
        ),
    ),
    (
        "CACHE_GET_OR_CREATE_WITH_CONFIGURATION",
        1054,
        ("test_get_or_create_with_configuration",),
    ),
    (
        "CACHE_GET_CONFIGURATION",
        1055,
        (
            "test_configuration_read_back",
            "test_create_by_name_settings",
            "test_backups_read_back",
            "test_query_entity_reads_back_as_ignite_normalizes_it",
        ),
    ),
    ("CACHE_DESTROY", 1056, ("test_common_mistakes", "test_create_by_name_settings")),
    ("CACHE_NODE_PARTITIONS", 1100, ("test_node_partitions_old_op", CLUSTER, BASELINE)),
    ("CACHE_PARTITIONS", 1101, ("test_key_ops", CLUSTER, BASELINE)),
    (
        "QUERY_SCAN",
        2000,
        (
            "test_scan_contents_by_page_size",
            "test_scan_single_partitions",
            "test_scan_with_key_of_each_partition",
            RANDOM,
        ),
    ),
    ("QUERY_SCAN_CURSOR_GET_PAGE", 2001, ("test_scan_contents_by_page_size",)),
    ("QUERY_SQL", 2002, ("test_sql_query_returns_key_value_rows",)),
    ("QUERY_SQL_CURSOR_GET_PAGE", 2003, ("test_sql_query_returns_key_value_rows",)),
    # SQL is compared with Ignite 2.17 + ignite-indexing (2.18 has no SQL engine on
    # Maven Central): tests/sql run every statement on both servers.
    (
        "QUERY_SQL_FIELDS",
        2004,
        (
            "test_query",
            "test_query_with_args",
            "test_error",
            "test_dml_script",
            "test_rows_are_ignites_bytes",
            "test_city_rows_equal_but_for_the_generated_type_id",
            *SQL_REQUEST_FIELDS,
        ),
    ),
    (
        "QUERY_SQL_FIELDS_CURSOR_GET_PAGE",
        2005,
        (
            "test_fields_query_pages",
            "test_max_rows",
            "test_java_thin_client_sql_on_ignite",
        ),
    ),
    ("QUERY_CONTINUOUS", 2006, CONTINUOUS),
    ("QUERY_CONTINUOUS_EVENT_NOTIFICATION", 2007, CONTINUOUS),
    ("GET_BINARY_TYPE_NAME", 3000, ("test_query_binary_type_after_put",)),
    ("REGISTER_BINARY_TYPE_NAME", 3001, ("test_value_ops",)),
    (
        "GET_BINARY_TYPE",
        3002,
        (
            "test_binary_type_with_several_schemas",
            "test_binary_type_affinity_key_field",
            "test_query_binary_type_after_put",
        ),
    ),
    (
        "PUT_BINARY_TYPE",
        3003,
        (
            "test_binary_type_with_several_schemas",
            "test_binary_field_changing_type",
            "test_binary_type_affinity_key_field",
        ),
    ),
    ("GET_BINARY_CONFIGURATION", 3004, ("test_binary_configuration",)),
    ("TX_START", 4000, (TX_MODULE, "test_java_thin_client_on_embergrid")),
    ("TX_END", 4001, (TX_MODULE, "test_java_thin_client_on_embergrid")),
    ("CLUSTER_GET_STATE", 5000, ("test_cluster_state_get_set", BASELINE)),
    ("CLUSTER_CHANGE_STATE", 5001, ("test_cluster_state_get_set", BASELINE)),
    (
        "CLUSTER_CHANGE_WAL_STATE",
        5002,
        ("test_wal_state_without_persistence", "test_wal_state_with_persistence"),
    ),
    (
        "CLUSTER_GET_WAL_STATE",
        5003,
        ("test_wal_state_without_persistence", "test_wal_state_with_persistence"),
    ),
    ("CLUSTER_GROUP_GET_NODE_IDS", 5100, (CLUSTER, CLUSTER_GROUP, JAVA_CLUSTER)),
    ("CLUSTER_GROUP_GET_NODE_INFO", 5101, (CLUSTER, CLUSTER_GROUP, JAVA_CLUSTER)),
    ("CLUSTER_GROUP_GET_NODE_ENDPOINTS", 5102, (CLUSTER, CLUSTER_GROUP, JAVA_CLUSTER)),
]

FEATURES: list[tuple[str, tuple[str, ...]]] = [
    ("Every value type and hint (as value)", ("test_value_ops",)),
    (
        "Value types as keys; key hints make distinct keys",
        ("test_key_ops", "test_key_hints_make_distinct_keys"),
    ),
    (
        "Complex objects (GenericObjectMeta, nested, None fields)",
        ("test_value_ops", "test_complex_sample_error_quotes_the_key"),
    ),
    (
        "Collections and maps",
        (
            "test_value_ops",
            "test_singleton_list_comes_back_unreadable_from_ignite",
            "test_compare_and_set_equality",
        ),
    ),
    (
        "Cache configuration read back",
        (
            "test_configuration_read_back",
            "test_create_by_name_settings",
            "test_backups_read_back",
            "test_query_entity_reads_back_as_ignite_normalizes_it",
        ),
    ),
    (
        "Status codes and messages of common mistakes",
        ("test_common_mistakes", "test_binary_field_changing_type"),
    ),
    (
        "Scan queries (page sizes, single partitions)",
        (
            "test_scan_contents_by_page_size",
            "test_scan_single_partitions",
            "test_scan_with_key_of_each_partition",
        ),
    ),
    (
        "Several nodes on one data dir: topology versions on join and leave, "
        "partition owners, peek-mode sizes (against a 3-node Ignite cluster)",
        (CLUSTER,),
    ),
    (
        "Baseline topology of a persistent cluster: partition owners when a "
        "baseline node leaves and a new node joins (against a persistent 3-node "
        "Ignite cluster)",
        (BASELINE,),
    ),
    (
        "get_size with peek modes",
        ("test_get_size_peek_modes", "test_get_size_after_removals"),
    ),
    (
        "Expiry policies (create / access TTL)",
        ("test_expiry_by_create_ttl", "test_expiry_by_access_ttl"),
    ),
    (
        "Binary type metadata",
        (
            "test_binary_type_with_several_schemas",
            "test_binary_type_affinity_key_field",
            "test_query_binary_type_after_put",
        ),
    ),
    ("Cluster state", ("test_cluster_state_get_set",)),
    ("Random op sequences (hypothesis state machine)", (RANDOM,)),
    ("Async client (pyignite AioClient)", ("test_aio_put_get_on_each_target",)),
    (
        "Node.js thin client (apache-ignite-client 1.0.0)",
        ("test_nodejs_client_put_get_getall_scan",),
    ),
    (
        "Java thin client (ignite-core 2.18.0, tools/java-thin)",
        ("test_java_thin_client_on_ignite", "test_java_thin_client_sql_on_ignite"),
    ),
    (
        "SQL (corpus, request fields, key-value tables, paging)",
        (
            *SQL_CORPUS,
            *SQL_REQUEST_FIELDS,
            "test_fields_query_pages",
            "test_sql_query_returns_key_value_rows",
        ),
    ),
    (
        "Transactions (two clients interleaved, every isolation, Java thin)",
        (TX_MODULE, "test_java_thin_client_on_embergrid"),
    ),
    (
        "Continuous queries (Java thin client's ContinuousQuery, Cache.listen)",
        CONTINUOUS,
    ),
]


@dataclass
class Case:
    """One junit testcase."""

    classname: str
    name: str
    outcome: str  # passed | failed | skipped
    properties: dict[str, list[str]] = field(default_factory=dict)

    @property
    def function(self) -> str:
        return self.name.split("[", 1)[0]

    @property
    def reference(self) -> bool:
        return "reference" in self.properties or "[ignite" in self.name

    @property
    def divergences(self) -> list[str]:
        return self.properties.get("divergence", [])


def parse_junit(path: Path) -> list[Case]:
    """Every testcase of a junit XML file (pytest's format)."""
    cases = []
    for tc in ET.parse(path).getroot().iter("testcase"):
        outcome = "passed"
        if tc.find("failure") is not None or tc.find("error") is not None:
            outcome = "failed"
        elif tc.find("skipped") is not None:
            outcome = "skipped"
        props: dict[str, list[str]] = {}
        for prop in tc.iter("property"):
            props.setdefault(prop.get("name", ""), []).append(prop.get("value", ""))
        cases.append(Case(tc.get("classname", ""), tc.get("name", ""), outcome, props))
    return cases


def load_divergences(path: Path = DIVERGENCES_FILE) -> dict[str, str]:
    """The DIVERGENCES table, loaded by path (tests/ is not a package)."""
    spec = importlib.util.spec_from_file_location("_compat_divergences", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.DIVERGENCES)


def server_status(cases: Iterable[Case], functions: Sequence[str]) -> str:
    """embergrid server vs Ignite for the reference tests of these functions (a
    ``module::*`` entry: every case of that test module, both sides)."""
    modules = tuple(f[:-3] for f in functions if f.endswith("::*"))
    mine = [
        c
        for c in cases
        if (c.reference and c.function in functions)
        or (modules and c.classname.endswith(modules))
    ]
    if not functions or not mine:
        return "missing (no differential test)"
    failed = [c for c in mine if c.outcome == "failed"]
    if failed:
        return f"**FAILS** ({len(failed)} of {len(mine)})"
    ran = [c for c in mine if c.outcome == "passed"]
    if not ran:
        return "not run (reference unavailable)"
    keys = sorted({k for c in ran for k in c.divergences})
    equal = sum(1 for c in ran if not c.divergences)
    text = f"tested-equal ({equal})" if equal else ""
    if keys:
        text += (
            ("; " if text else "") + "diverges: " + ", ".join(f"`{k}`" for k in keys)
        )
    return text


def client_status(cases: Sequence[Case]) -> str:
    """embergrid client vs pyignite: pending until tests/client has results."""
    client = [c for c in cases if c.classname.startswith("tests.client")]
    if not client:
        return "pending (client issue)"
    failed = sum(1 for c in client if c.outcome == "failed")
    passed = sum(1 for c in client if c.outcome == "passed")
    return f"client suite: {passed} passed, {failed} failed (not mapped per op yet)"


def render(cases: Sequence[Case], divergences: dict[str, str]) -> str:
    """The whole Markdown document."""
    client = client_status(cases)
    ref = [c for c in cases if c.reference]
    lines = [
        "# Compatibility: embergrid vs Apache Ignite 2.18 and pyignite",
        "",
        "Generated by `tools/compat_report.py` from test results; do not edit by hand.",
        "Regenerate with `python tools/compat_report.py` (runs pytest over "
        + ", ".join(f"`{d}`" for d in TEST_DIRS)
        + " with `--junitxml`, needs Java for the reference node), or render an",
        "existing result file with `python tools/compat_report.py --junit r.xml`.",
        "",
        f"Reference (differential) test cases: {len(ref)} — "
        f"{sum(c.outcome == 'passed' for c in ref)} passed, "
        f"{sum(c.outcome == 'failed' for c in ref)} failed, "
        f"{sum(c.outcome == 'skipped' for c in ref)} skipped. "
        f"All test cases read: {len(cases)}.",
        "",
        "SQL (op 2004) is compared with Ignite 2.17 + ignite-indexing: Maven Central "
        "publishes no SQL engine for 2.18.0.",
        "",
        "*tested-equal (n)*: n differential cases ran one scenario on both servers "
        "and got equal normalized results; *diverges*: a pinned, known difference "
        "(reasons below); *missing*: no differential test yet.",
        "",
        "## Op codes",
        "",
        "| op code | name | embergrid server vs Ignite 2.18 "
        "| embergrid client vs pyignite |",
        "| ---: | --- | --- | --- |",
    ]
    for name, code, functions in OPS:
        lines.append(
            f"| {code} | {name} | {server_status(cases, functions)} | {client} |"
        )
    lines += [
        "",
        "## Features",
        "",
        "| feature | embergrid server vs Ignite 2.18 | embergrid client vs pyignite |",
        "| --- | --- | --- |",
    ]
    for feature, functions in FEATURES:
        lines.append(f"| {feature} | {server_status(cases, functions)} | {client} |")
    lines += ["", "## Known divergences (tests/compat/divergences.py)", ""]
    for key, reason in sorted(divergences.items()):
        tests = sorted({c.name for c in cases if key in c.divergences})
        pinned = ", ".join(f"`{t}`" for t in tests) or "no test result"
        lines.append(f"- `{key}`: {reason} Pinned by: {pinned}.")
    lines.append("")
    return "\n".join(lines)


def run_pytest(junit: Path, extra: Sequence[str]) -> int:
    dirs = [d for d in TEST_DIRS if (REPO / d).is_dir()]
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        *dirs,
        "-q",
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit}",
        *extra,
    ]
    return subprocess.run(cmd, cwd=REPO, check=False).returncode


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--junit", type=Path, help="render this junit XML instead of running pytest"
    )
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="'-' for stdout")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments")
    args = parser.parse_args(argv)
    if args.junit is None:
        with tempfile.TemporaryDirectory() as tmp:
            junit = Path(tmp) / "results.xml"
            run_pytest(junit, args.pytest_args)
            cases = parse_junit(junit)
    else:
        cases = parse_junit(args.junit)
    text = render(cases, load_divergences())
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
