"""Today's engine against the golden results recorded before the engine rewrite (issue 10).

``runs.json`` holds every built-in scenario x every built-in design x seeds 1-10, ``demo.json`` the demo
table's rows; both were written by ``make_golden.py`` with the engine of commit 72b4c10.  The chooser's
draws are unchanged (its C generator reproduces CPython's MT19937 stream, see ``acrn/engine/chooser.py``),
so every run must match exactly: verdicts, first violations, counts, latency statistics and the digest of
the whole run including its choice log.  Latencies now come from the observer's histograms
(acrn/host/observe.py), which keep the samples exactly up to 4096 of them: every golden run has fewer (at
most 2537), so p50/p99/max are compared exactly too (a bucketed one would add ``rel_error`` to the entry and
fail the comparison).  The interpreted pass checks seeds 1-3 only (time); the mode test
(``tests/core/test_determinism.py``) shows the two modes agree byte for byte.
"""
import json
import os

import pytest

import acrn
from acrn.host.run import Run
from acrn.plugin import Registry, get_plugin_manager
from acrn.scenarios import load_scenario

from make_golden import DEMO, RUNS, golden_entry, key, record_demo

with open(RUNS) as _f:
    GOLDEN = json.load(_f)
SEEDS_CHECKED = 10 if acrn.compiled() else 3
CASES = sorted({tuple(k.split("/")[:2]) for k in GOLDEN})


@pytest.fixture(scope="module")
def registry():
    return Registry(get_plugin_manager(autoload=False))


def test_golden_covers_every_builtin_scenario_and_design(registry):
    from acrn.scenarios import builtin_names

    assert {s for s, _ in CASES} == set(builtin_names())
    assert {d for _, d in CASES} == set(registry.designs)


@pytest.mark.parametrize("scenario,design", CASES, ids=["%s/%s" % c for c in CASES])
def test_runs_match_the_golden_results(registry, scenario, design):
    sc = load_scenario(scenario, registry)
    for seed in range(1, SEEDS_CHECKED + 1):
        want = GOLDEN[key(scenario, design, seed)]
        got = golden_entry(Run(sc, design, seed=seed, registry=registry).execute())
        assert got == want, key(scenario, design, seed)


def test_demo_table_matches_the_golden_rows(registry):
    with open(DEMO) as f:
        want = json.load(f)
    assert record_demo(registry) == want
