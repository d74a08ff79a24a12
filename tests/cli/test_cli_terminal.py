"""Terminal output: the demo table at 80 columns, the vm_exit report folded once, rates from tiny samples."""
import glob
import io

import pytest
from click.testing import CliRunner
from rich.console import Console

from acrn import report
from acrn.cli import main
from acrn.plugin import default_registry
from acrn.trace.reports import SMALL_SAMPLE_SEC, fold_zero_rows


def test_demo_table_is_readable_at_80_columns(monkeypatch):
    buf = io.StringIO()
    monkeypatch.setattr(report, "_console", lambda stderr=False: Console(file=buf, width=80, highlight=False))
    registry = default_registry()
    designs = [n for n, d in registry.designs.items() if d.in_demo]
    report.demo_table(registry, ["ept-flush", "guest-nmi-ipi"], designs)  # the longest names and latencies
    lines = buf.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in buf.getvalue() and "..." not in buf.getvalue()
    words = {w for line in lines for w in line.split()}
    assert {"ept-flush", "guest-nmi-ipi", "1147", "1387"} <= words and set(designs) <= words
    for name in registry.invariants:  # the legend spells out every short column name
        assert name in buf.getvalue()


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    out = tmp_path_factory.mktemp("cap")
    CliRunner().invoke(main, ["run", "kick-race", "--design", "nmi", "--trace", str(out)])
    return glob.glob(str(out / "*"))[0]


def test_hide_zero_folds_the_empty_rows_and_keeps_the_totals(capture):
    full = CliRunner().invoke(main, ["analyze", capture]).stdout
    folded = CliRunner().invoke(main, ["analyze", capture, "--hide-zero"]).stdout
    assert len(folded.splitlines()) <= len(full.splitlines()) - 5 * 12  # 5 tables, 12+ empty rows each
    rows = [l.split("\t") for l in folded.splitlines() if l.startswith("VMEXIT_")]
    assert rows and all(r[1].strip() != "0" or r[3].strip() != "0" for r in rows)
    totals = [l for l in full.splitlines() if l.startswith("Total ")]
    assert totals == [l for l in folded.splitlines() if l.startswith("Total ")]
    assert "exit reasons with no exit not shown)" in folded
    assert fold_zero_rows(folded) == folded  # folding is idempotent


def test_rates_from_a_tiny_sample_are_flagged(capture):
    out = CliRunner().invoke(main, ["analyze", capture]).stdout
    blocks = out.split("== pCPU ")
    tiny = [b for b in blocks if b.startswith("1:")][0]  # kick-race's idle service vCPU 1: 7 records
    assert "note: rates extrapolated from 0.8 us of run time (1 exit): too small a sample" in tiny
    assert all("too small a sample" not in b for b in blocks if b.startswith(("0:", "2:", "3:")))
    assert SMALL_SAMPLE_SEC < 50e-3  # the scenario's 50 ms pCPUs are well above it


def test_demo_prints_the_vm_exit_report_once(tmp_path):
    out = CliRunner().invoke(main, ["demo", "-s", "smp-call", "-d", "nmi", "--out", str(tmp_path / "demo")])
    assert out.exit_code == 0, out.output
    assert out.stdout.count("vm_exit report:") == 1
    assert "VMEXIT_CPUID                \t0 " not in out.stdout
    for name in ("vm_exit.csv", "vm_exit.png", "latency.png", "irq.png", "timeline.json"):
        assert (tmp_path / "demo" / name).stat().st_size > 0
