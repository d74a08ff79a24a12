"""The explorer's expected results (issue: Explorer), each a test."""
import filecmp
import os

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from acrn.cli import main
from acrn.explore import Explorer, decode_choices, encode_choices, replay
from acrn.errors import AcrnModelError
from acrn.cli.explore import _diagram_of
from acrn.plugin import default_registry
from acrn.scenarios import load_scenario


@pytest.fixture(scope="module")
def kick_race():
    return load_scenario("kick-race")


@pytest.fixture(scope="module")
def nowindow(kick_race):
    return Explorer(kick_race, "nmi-nowindow").explore()


def test_nmi_nowindow_race_is_found_as_the_commit_message_tells_it(kick_race, nowindow):
    cx = nowindow.counterexample
    assert cx is not None and cx.invariant == "request-latency"
    _, diagram, _, _ = _diagram_of(default_registry(), kick_race, "nmi-nowindow", cx.choices, nowindow.horizon_us)
    lines = diagram.splitlines()
    header = lines[0]
    target_col = header.index("pCPU2")
    sender_col = header.index("pCPU0")

    def find(text, col, after):
        for i in range(after + 1, len(lines)):
            cell = lines[i][col:col + 40]
            if text in cell:
                return i
        raise AssertionError("%r not found in the pCPU lane after line %d:\n%s" % (text, after, diagram))

    # the seed's sequence: handle pending requests, set request flag, send NMI, handle NMI in root, vCPU enter
    i = find("acrn_handle_pending_request", target_col, 1)
    i = find("set request EPT_FLUSH for rtvm:vcpu0", sender_col, i)
    i = find("send NMI -> pCPU2", sender_col, i)
    i = find("NMI taken in root", target_col, i)
    find("VM entry rtvm:vcpu0", target_col, i)
    assert "violation of request-latency" in lines[-1]


@pytest.mark.parametrize("design", ["nmi", "init"])
def test_no_violation_within_the_default_bound(kick_race, design):
    result = Explorer(kick_race, design).explore()
    assert result.counterexample is None
    assert result.complete and result.runs > 100 and result.states > 10000


def test_ipi_spurious_interrupt_is_found(kick_race):
    result = Explorer(kick_race, "ipi").explore()
    assert result.counterexample.invariant in ("no-spurious-guest-interrupt", "request-latency")
    spurious = Explorer(kick_race, "ipi", invariants=["no-spurious-guest-interrupt"]).explore()
    assert "received vector 0xf0" in spurious.counterexample.violation.message


def test_replay_reproduces_the_violation_byte_for_byte(kick_race, nowindow, tmp_path):
    cx = nowindow.counterexample
    _, result = replay(kick_race, "nmi-nowindow", cx.choices, horizon_us=nowindow.horizon_us)
    assert result.digest() == cx.result.digest()
    paths = []
    for name in ("a", "b"):
        _, _, _, path = _diagram_of(default_registry(), kick_race, "nmi-nowindow", cx.choices, nowindow.horizon_us,
                                    str(tmp_path / name))
        paths.append(path)
    files = sorted(os.listdir(paths[0]))
    assert files == sorted(os.listdir(paths[1])) and len(files) == kick_race.pcpus
    match, mismatch, errors = filecmp.cmpfiles(paths[0], paths[1], files, shallow=False)
    assert match == files and not mismatch and not errors


@given(st.dictionaries(st.integers(0, 10 ** 6), st.integers(-10, 10 ** 9), max_size=8))
def test_choice_strings_round_trip(deviations):
    assert decode_choices(encode_choices(deviations)) == deviations


@pytest.mark.parametrize("bad", ["", "x2:1=2", "x1:1=", "x1:a=3", "x1:1:2"])
def test_bad_choice_strings_are_refused(bad):
    with pytest.raises(AcrnModelError):
        decode_choices(bad)


def test_cli_exit_codes():
    runner = CliRunner()
    found = runner.invoke(main, ["explore", "kick-race", "--design", "nmi-nowindow", "--json"])
    assert found.exit_code == 1
    assert '"choices": "x1:' in found.output
    clean = runner.invoke(main, ["explore", "kick-race", "--design", "init"])
    assert clean.exit_code == 0 and "no violation within the bound" in clean.output and "bound 1" in clean.output
    bad = runner.invoke(main, ["explore", "kick-race", "--design", "init", "--bound", "-1"])
    assert bad.exit_code == 2
    bad = runner.invoke(main, ["replay", "kick-race", "--design", "init", "--choices", "nonsense"])
    assert bad.exit_code == 2 and "choice string" in bad.output


def test_random_and_pct_strategies_are_deterministic(kick_race):
    for strategy in ("random", "pct"):
        a = Explorer(kick_race, "nmi-nowindow").explore(strategy=strategy, bound=2, max_runs=40, seed=3)
        b = Explorer(kick_race, "nmi-nowindow").explore(strategy=strategy, bound=2, max_runs=40, seed=3)
        assert (a.runs, a.states, a.counterexample and a.counterexample.choices) == \
               (b.runs, b.states, b.counterexample and b.counterexample.choices)


STATE_HASHES = r"""
import sys
from acrn.explore import Explorer, state_hash, state_key
from acrn.scenarios import load_scenario
ex = Explorer(load_scenario("kick-race"), "nmi", horizon_us=60, hasher=dict(hash=None, key=state_key)[sys.argv[1]])
points = ex.run_once({})[2].points
runs = [{pos: alt} for pos in range(12) for alt in points[pos][0] if alt != points[pos][1]]
print([h for d in runs for h in ex.run_once(d, hash_after=max(d))[2].hashes if h is not None])
"""


def test_state_hashes_are_the_same_in_every_process_and_mode_and_tell_states_apart_as_state_key():
    """The state hashes of the runs that deviate once in the first 12 choices: two processes with different
    string hashing (PYTHONHASHSEED), compiled and interpreted, give the same hashes, and these split the
    states into the same classes of equal states as the readable ``state_key``, some of them of more than
    one state."""
    import subprocess
    import sys

    def hashes(kind, seed, pure=False):
        env = dict(os.environ, PYTHONHASHSEED=str(seed))
        env.pop("ACRN_MODEL_PURE", None)
        if pure:
            env["ACRN_MODEL_PURE"] = "1"
        return eval(subprocess.run([sys.executable, "-c", STATE_HASHES, kind], capture_output=True, text=True,
                                   env=env, check=True).stdout)

    def classes(values):
        groups = {}
        for i, h in enumerate(values):
            groups.setdefault(h, []).append(i)
        return sorted(groups.values())

    hashed = hashes("hash", 1)
    assert hashes("hash", 2) == hashed
    assert hashes("hash", 3, pure=True) == hashed
    keys = hashes("key", 1)
    assert len(hashed) == len(keys) > 100
    assert classes(hashed) == classes(keys)
    assert max(len(c) for c in classes(hashed)) > 1


def test_a_level_mark_ends_the_count_after_a_level_with_a_violation_whatever_came_after():
    """The Ledger counts in the serial order even when the next DFS level's runs are asked for before this
    level's are known (a parallel search without a barrier between levels): at the next level's mark the
    count stops if this level found a violation, and nothing after the mark counts; without one, the mark
    sets the level."""
    from types import SimpleNamespace

    from acrn.explore import ExploreResult, Ledger, RunSummary

    def ledger():
        return Ledger(ExploreResult("s", "d", "dfs", 2, 1.0), "dfs", 2, 10 ** 6, 10 ** 6, False, None, 0.0)

    hit = ("inv", SimpleNamespace(time=5), None)
    for violation in (True, False):
        lg = ledger()
        lg.level(1)
        pending = lg.run({3: 1})  # made elsewhere, not back yet
        lg.level(2)
        later = lg.run({3: 1, 7: 2})
        lg.run({3: 1, 9: 2}, RunSummary(50, 20, "x", (), None))
        assert lg.out.runs == 0 and lg.out.level == 1  # held back by the run not known yet
        later[0] = RunSummary(40, 20, "x", (), None)
        pending[0] = RunSummary(30, 20, "x", (), hit if violation else None)
        lg.settle()
        if violation:
            assert lg.stopped and lg.out.runs == 1 and lg.out.level == 1 and len(lg.found) == 1
        else:
            assert not lg.stopped and lg.out.runs == 3 and lg.out.level == 2 and lg.found == []
