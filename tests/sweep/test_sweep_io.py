"""The sweep's parsers and files, without Dask: seeds, cost grids, rows written atomically and read back in
every format."""
import os

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from acrn.cli import main
from acrn.cli.common import EXIT_INPUT
from acrn.cli.sweep import parse_cost_grid
from acrn.host.run import run_scenario
from acrn.sweep import (JOURNAL_SUFFIX, SweepError, Table, columns, cost_grid, parse_seeds, read_rows, result_row,
                        write_table)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 5)), min_size=1, max_size=5))
def test_seed_ranges_parse_to_their_union(ranges):
    text = ",".join("%d-%d" % (lo, lo + n) if n else "%d" % lo for lo, n in ranges)
    assert parse_seeds(text) == sorted({s for lo, n in ranges for s in range(lo, lo + n + 1)})


@pytest.mark.parametrize("bad", ["", "a", "3-1", "1-", "-2", "1,,2", "1.5"])
def test_bad_seeds_are_refused_naming_the_option(bad):
    with pytest.raises(SweepError, match="--seeds"):
        parse_seeds(bad)


def test_cost_grid_is_every_combination_in_order():
    grid = parse_cost_grid(["nmi_delivery=400:900,2000", "guest_nmi_handler=1000", "nmi_delivery=2000"])
    assert grid == {"nmi_delivery": [[400, 900], 2000], "guest_nmi_handler": [1000]}
    assert cost_grid(grid) == [{"nmi_delivery": [400, 900], "guest_nmi_handler": 1000},
                               {"nmi_delivery": 2000, "guest_nmi_handler": 1000}]
    assert cost_grid({}) == [{}]


@pytest.fixture(scope="module")
def rows():
    costs = {"nmi_delivery": [400, 900]}
    from dataclasses import replace

    from acrn.scenarios import load_scenario

    sc = load_scenario("smp-call")
    out = [result_row(run_scenario(sc, d, seed=s), "smp-call", {}) for d in ("ipi", "nmi") for s in (1, 2)]
    out.append(result_row(run_scenario(replace(sc, cost=dict(sc.cost, **costs)), "nmi", seed=1), "smp-call", costs))
    return out


@pytest.mark.parametrize("ext", [".csv", ".jsonl", ".parquet"])
def test_rows_read_back_as_written(tmp_path, rows, ext):
    from acrn.plugin import default_registry

    path = str(tmp_path / ("rows" + ext))
    table = Table(columns(default_registry().invariants), rows)
    write_table(path, table)
    assert read_rows(path) == rows
    assert os.listdir(tmp_path) == ["rows" + ext]  # no temporary file left
    assert any(r["first_violation"] for r in rows) and any(r["latency_max_us"] is None for r in rows)
    assert rows[-1]["cost"] == "nmi_delivery=400:900"
    assert "--cost nmi_delivery=400:900" in rows[-1]["replay"]


def test_a_journal_cut_mid_line_keeps_its_whole_rows(tmp_path, rows):
    import json

    path = str(tmp_path / "rows.csv") + JOURNAL_SUFFIX
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
        f.write(json.dumps(rows[0])[:17])
    assert read_rows(path) == rows


def test_a_file_that_is_not_a_sweep_table_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(SweepError, match="other.csv: cannot resume from it"):
        read_rows(str(path))


def test_cli_bad_input_is_one_line_before_any_cluster_starts(tmp_path):
    cases = [(["--seeds", "x"], "--seeds x"), (["--seeds", "1", "--out", str(tmp_path / "r.txt")], "unknown extension"),
             (["--seeds", "1", "--jobs", "2", "--scheduler", "tcp://127.0.0.1:9"], "--jobs and --scheduler"),
             (["--seeds", "1", "--cost", "nope=3"], "--cost nope=3")]
    for extra, message in cases:
        res = CliRunner().invoke(main, ["sweep", "smp-call", "-d", "nmi"] + extra)
        assert res.exit_code == EXIT_INPUT, res.output
        lines = res.output.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], res.output
    res = CliRunner().invoke(main, ["sweep", "smp-call", "-d", "nope", "--seeds", "1"])
    assert res.exit_code == EXIT_INPUT and "unknown design 'nope'" in res.output
