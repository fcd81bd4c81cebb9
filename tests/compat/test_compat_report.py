"""tools/compat_report.py renders a small junit sample (so the generator cannot rot)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]

SAMPLE = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="tests.compat.test_diff_values" name="test_value_ops[int]">
  <properties><property name="reference" value="1"/></properties></testcase>
<testcase classname="tests.compat.test_diff_caches" name="test_get_size_peek_modes[all]">
  <properties><property name="reference" value="1"/></properties>
  <failure message="boom">x</failure></testcase>
<testcase classname="tests.compat.test_divergences"
  name="test_complex_sample_error_with_a_double_key">
  <properties><property name="reference" value="1"/><property name="divergence"
  value="compare-binary-object-with-other-type"/></properties></testcase>
<testcase classname="tests.compat.test_diff_metadata" name="test_cluster_state_get_set[ACTIVE]">
  <properties><property name="reference" value="1"/></properties>
  <skipped message="no java"/></testcase>
<testcase classname="tests.server.test_x" name="test_value_ops_like_name"/>
</testsuite></testsuites>
"""


@pytest.fixture(scope="module")
def report() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "compat_report", REPO / "tools" / "compat_report.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["compat_report"] = module
    spec.loader.exec_module(module)
    return module


def test_renders_each_status_from_a_junit_sample(
    report: ModuleType, tmp_path: Path
) -> None:
    junit = tmp_path / "r.xml"
    junit.write_text(SAMPLE)
    out = tmp_path / "compat.md"
    assert report.main(["--junit", str(junit), "--output", str(out)]) == 0
    text = out.read_text()
    rows = {
        line.split(" | ")[1]: line
        for line in text.splitlines()
        if line.startswith("| 1")
    }
    assert "tested-equal (1)" in rows["CACHE_GET"]
    assert "**FAILS** (1 of 1)" in rows["CACHE_GET_SIZE"]
    assert (
        "diverges: `compare-binary-object-with-other-type`"
        in rows["CACHE_REPLACE_IF_EQUALS"]
    )
    assert "missing (no differential test)" in rows["CACHE_LOCAL_PEEK"]
    assert "pending (client issue)" in rows["CACHE_GET"]
    assert "not run (reference unavailable)" in text  # the skipped cluster-state case
    assert "python tools/compat_report.py" in text.split("## Op codes")[0]
    assert "Pinned by: `test_complex_sample_error_with_a_double_key`" in text
    assert (
        "Reference (differential) test cases: 4 — 2 passed, 1 failed, 1 skipped" in text
    )


def test_every_divergence_key_has_a_reason(report: ModuleType) -> None:
    table = report.load_divergences()
    assert table
    assert all(isinstance(r, str) and len(r) > 40 for r in table.values())
