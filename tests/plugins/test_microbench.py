"""`acrn-model microbench`: the table's structure, and modelled cycles that agree with the cost model."""
import json

import pytest
from click.testing import CliRunner

from acrn import microbench as mb
from acrn.cli import main
from acrn.engine.cost import STEP_IDS, CostModel

ROUNDS = 60


@pytest.fixture(scope="module")
def nmi_results():
    return {r.path: r for r in mb.microbench("nmi", rounds=ROUNDS)}


def test_json_has_every_path_in_order():
    res = CliRunner().invoke(main, ["microbench", "--design", "nmi", "--rounds", str(ROUNDS), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["design"] == "nmi" and data["rounds"] == ROUNDS
    assert [p["path"] for p in data["paths"]] == list(mb.PATH_NAMES)
    for p in data["paths"]:
        assert set(p) >= {"path", "title", "n", "mean_cycles", "median_cycles", "min_cycles", "max_cycles",
                          "cost_model_range", "breakdown", "wall_ns_per_exit", "note"}
        if p["n"]:
            assert p["min_cycles"] <= p["median_cycles"] <= p["max_cycles"]
            assert p["wall_ns_per_exit"] > 0
            assert abs(sum(b["cycles"] for b in p["breakdown"]) - p["mean_cycles"]) < 1.0
        else:
            assert p["note"], p["path"]
    by_path = {p["path"]: p for p in data["paths"]}
    for path in ("cpuid", "ept", "extint", "ipi-kick", "nmi-kick", "smp-call", "smp-call-pt"):
        assert by_path[path]["n"] >= ROUNDS // 2, path
    assert by_path["init-kick"]["n"] == 0 and "kicks sent: " in by_path["init-kick"]["note"]
    assert by_path["irq-window"]["n"] == 0 and by_path["irq-window"]["note"].startswith("not reachable")


def test_vs_prints_two_designs_and_the_ratio():
    args = ["microbench", "--design", "nmi", "--vs", "init", "--rounds", str(ROUNDS), "--path", "cpuid",
            "--path", "nmi-kick", "--path", "init-kick"]
    data = json.loads(CliRunner().invoke(main, args + ["--json"]).output)
    assert data["design"] == "nmi" and data["vs"]["design"] == "init"
    assert data["ratio"]["cpuid"] == 1.0  # the same path, the same seed: the same modelled cycles
    assert data["ratio"]["nmi-kick"] is None and data["ratio"]["init-kick"] is None  # one side has no samples
    table = CliRunner().invoke(main, args)
    assert table.exit_code == 0
    assert "nmi vs init" in table.output and "init/nmi" in table.output
    assert "step breakdown, design init" in table.output


def test_table_lists_paths_and_the_breakdown():
    res = CliRunner().invoke(main, ["microbench", "--rounds", "30", "--path", "cpuid", "--path", "irq-window"])
    assert res.exit_code == 0, res.output
    assert "design nmi" in res.output and "cpuid" in res.output and "not reachable" in res.output
    assert "vmexit" in res.output and "vmentry" in res.output  # the breakdown line


@pytest.mark.parametrize("args,message", [
    (["--path", "nope"], "unknown path 'nope' (known: cpuid, ept"),
    (["--design", "nope"], "--design: unknown design 'nope'"),
    (["--rounds", "0"], "--rounds: must be at least 1"),
])
def test_bad_arguments_are_one_line_errors(args, message):
    res = CliRunner().invoke(main, ["microbench"] + args)
    assert res.exit_code == 2
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], res.output


def test_a_cpuid_round_trip_lies_within_its_steps_cost_ranges(nmi_results):
    cost = CostModel()
    cpuid = nmi_results["cpuid"]
    names = ("vmexit", "vmexit_handler", "vcpu_loop", "acrn_handle_pending_request", "run_vcpu", "vmentry")
    expected_steps = tuple(STEP_IDS[n] for n in names)
    assert [label for label, _ in cpuid.breakdown] == list(names)
    lo, hi = mb.step_range(cost, expected_steps)
    assert (cpuid.model_lo, cpuid.model_hi) == (lo, hi) == (1400, 2940)
    for sample in cpuid.samples:
        assert sample.steps == expected_steps
        assert lo <= sample.total <= hi
        for label, cycles in sample.parts:  # each step took a cost drawn from its own range
            step = STEP_IDS[label]
            assert cost.lo[step] <= cycles <= cost.hi[step], label


def test_every_exit_path_without_waiting_is_within_its_range(nmi_results):
    for path in ("ept", "extint"):
        r = nmi_results[path]
        assert r.model_lo <= r.lo and r.hi <= r.model_hi, path
    assert nmi_results["ept"].mean > nmi_results["cpuid"].mean + 1000  # MMIO emulation: 1500-4000 cycles


def test_a_kick_starts_with_its_delivery(nmi_results):
    cost = CostModel()
    nmi_lo, nmi_hi = cost.lo[STEP_IDS["nmi_delivery"]], cost.hi[STEP_IDS["nmi_delivery"]]
    deliveries = sorted(s.parts[0][1] for s in nmi_results["nmi-kick"].samples)
    assert all(label == mb.DELIVERY for label in (s.parts[0][0] for s in nmi_results["nmi-kick"].samples))
    assert deliveries[0] >= nmi_lo and nmi_lo <= deliveries[len(deliveries) // 2] <= nmi_hi
    r = nmi_results["nmi-kick"]
    assert r.model_lo <= r.median <= r.model_hi


def test_modelled_cycles_are_reproducible():
    a = mb.microbench("nmi-window", rounds=30, paths=["cpuid", "nmi-kick"])
    b = mb.microbench("nmi-window", rounds=30, paths=["cpuid", "nmi-kick"])
    assert [(r.n, r.mean, r.breakdown) for r in a] == [(r.n, r.mean, r.breakdown) for r in b]


def test_the_window_path_belongs_to_designs_with_nmi_window_exiting():
    window = {r.path: r for r in mb.microbench("nmi-window", rounds=400, paths=["nmi-kick-window"])}
    nowindow = {r.path: r for r in mb.microbench("nmi-nowindow", rounds=400, paths=["nmi-kick-window"])}
    assert window["nmi-kick-window"].n > 0 and nowindow["nmi-kick-window"].n == 0
    labels = [label for label, _ in window["nmi-kick-window"].breakdown]
    # made -> the NMI-window exit (after the entry), then nmi_window_vmexit_handler's step, not an NMI exit's
    assert labels[:3] == [mb.DELIVERY, "vmexit", "vmexit_handler"] and "exception_vmexit_handler" not in labels
