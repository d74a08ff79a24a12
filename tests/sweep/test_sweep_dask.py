"""Sweeps and parallel exploration on a real 2-process LocalCluster (see conftest): the same rows and the
same search results as serial runs, a killed worker, a resumed sweep, and the one-line errors."""
import json
import os
import signal

import dask
import pytest
from click.testing import CliRunner

import acrn
from acrn.cli import main
from acrn.cli.common import EXIT_INCOMPLETE, EXIT_INPUT, EXIT_VIOLATION
from acrn.explore import Explorer
from acrn.host.run import run_scenario
from acrn.scenarios import load_scenario
from acrn.sweep import JOURNAL_SUFFIX, explore_parallel, read_rows, result_row, sweep

pytestmark = [pytest.mark.xdist_group("dask"),
              pytest.mark.skipif(not acrn.compiled(), reason="Dask tests run in the compiled pass (see conftest)")]

SCENARIOS = ["smp-call", "debug-dump"]
DESIGNS = ["ipi", "nmi", "init"]
SEEDS = [1, 2, 3, 4]


def serial_rows(scenarios, designs, seeds):
    return [result_row(run_scenario(sc, d, seed=s), sc, {}) for sc in scenarios for d in designs for s in seeds]


@pytest.fixture(scope="module")
def reference():
    return serial_rows(SCENARIOS, DESIGNS, SEEDS)


def test_sweep_gives_the_rows_of_serial_runs(dask_client, reference):
    table = sweep(SCENARIOS, DESIGNS, SEEDS, client=dask_client, chunk=1)
    assert len(table) == 24
    assert table.rows == reference
    # any chunking (another split of the work over the workers) gives the same table
    assert sweep(SCENARIOS, DESIGNS, SEEDS, client=dask_client, chunk=5).rows == reference


def test_a_killed_worker_loses_no_row_and_duplicates_none(dask_client, tmp_path):
    scenarios, designs, seeds = ["msi-nmi"], ["nmi", "nmi-vnmi"], list(range(1, 9))
    pids = dask_client.run(os.getpid)  # {worker address: pid}
    killed = []

    def kill_one(rows):
        if not killed:
            pid = sorted(pids.values())[0]
            os.kill(pid, signal.SIGKILL)  # the nanny starts a new worker; the scheduler reruns its task
            killed.append(pid)

    out = tmp_path / "rows.jsonl"
    table = sweep(scenarios, designs, seeds, client=dask_client, chunk=1, out=str(out), on_rows=kill_one)
    assert killed
    expected = serial_rows(scenarios, designs, seeds)
    assert table.rows == expected
    assert read_rows(str(out)) == expected
    assert killed[0] not in dask_client.run(os.getpid).values()


def test_rows_reach_the_journal_before_their_task_ends(dask_client, tmp_path, monkeypatch):
    """One task of 24 runs: its rows come to the client while it runs (each run's row sent at once with
    ``ROWS_EVERY_S`` 0), written to the journal and counted by the progress before the task's result; the
    result brings the rows still on their way, each row once."""
    import acrn.sweep

    monkeypatch.setattr(acrn.sweep, "ROWS_EVERY_S", 0.0)
    out = str(tmp_path / "rows.jsonl")
    seeds = list(range(1, 9))
    journaled, progress = [], []

    def on_rows(rows):
        journaled.append(len(read_rows(out + JOURNAL_SUFFIX)))

    table = sweep(SCENARIOS[:1], DESIGNS, seeds, client=dask_client, chunk=24, out=out, on_rows=on_rows,
                  progress=lambda done, total, failed: progress.append(done))
    assert table.rows == serial_rows(SCENARIOS[:1], DESIGNS, seeds)
    assert journaled[0] < 24 and journaled[-1] == 24 and journaled == sorted(set(journaled))
    assert progress[0] == 0 and progress[-1] == 24 and progress == sorted(set(progress)) and len(progress) > 2


def test_an_interrupted_sweep_resumes_without_duplicates(dask_client, tmp_path, reference):
    out = str(tmp_path / "rows.csv")

    class Stop(Exception):
        pass

    seen = []

    def stop_after_some(rows):
        seen.extend(rows)
        if len(seen) >= 5:
            raise Stop()

    with pytest.raises(Stop):
        sweep(SCENARIOS, DESIGNS, SEEDS, client=dask_client, chunk=1, out=out, on_rows=stop_after_some)
    assert not os.path.exists(out)  # the table is written only whole
    kept = read_rows(out + JOURNAL_SUFFIX)
    assert 5 <= len(kept) < 24
    with open(out + JOURNAL_SUFFIX, "a") as f:
        f.write('{"scenario": "smp-call", "des')  # the last line of a sweep killed while writing it
    ran = []
    table = sweep(SCENARIOS, DESIGNS, SEEDS, client=dask_client, chunk=1, out=out, on_rows=ran.extend)
    assert table.rows == reference
    assert len(ran) == 24 - len(kept)  # only the missing rows ran again
    assert read_rows(out) == reference
    assert not os.path.exists(out + JOURNAL_SUFFIX)
    ran.clear()
    assert sweep(SCENARIOS, DESIGNS, SEEDS, client=dask_client, out=out, on_rows=ran.extend).rows == reference
    assert ran == []


def _strip(result):
    d = result.to_dict()
    for k in ("elapsed", "time_to_first", "states_per_s"):
        d.pop(k)
    return d


@pytest.mark.parametrize("strategy,bound,max_states", [("dfs", 1, 200000), ("random", 1, 200000),
                                                       ("pct", 2, 200000)])
def test_parallel_explore_finds_the_kick_race_as_serial(dask_client, strategy, bound, max_states):
    ex = Explorer(load_scenario("kick-race"), "nmi-nowindow")
    serial = ex.explore(strategy=strategy, bound=bound, max_states=max_states)
    parallel = explore_parallel(ex, client=dask_client, strategy=strategy, bound=bound, max_states=max_states)
    assert parallel.counterexample is not None
    assert parallel.counterexample.choices == serial.counterexample.choices
    assert _strip(parallel) == _strip(serial)
    if strategy == "dfs":
        assert parallel.counterexample.choices == "x1:153=350"


def test_parallel_dfs_below_the_first_level_is_the_serial_search(dask_client):
    """Bound 2 under nmi (no violation): the leaves on the workers, pruning and the state cap as in the
    serial search."""
    ex = Explorer(load_scenario("kick-race"), "nmi", horizon_us=60)
    serial = ex.explore(bound=2, max_states=30000)
    parallel = explore_parallel(ex, client=dask_client, bound=2, max_states=30000)
    assert serial.runs > 1 and serial.pruned > 0
    assert _strip(parallel) == _strip(serial)


@pytest.mark.parametrize("chunk,window", [(1, 1), (7, 3), (500, 2)])
@pytest.mark.parametrize("design,args", [("nmi", dict(bound=2, max_runs=250)),
                                         ("nmi-nowindow", dict(bound=2, stop_at_first=True)),
                                         ("nmi-nowindow", dict(bound=2)),
                                         ("nmi-nowindow", dict(strategy="pct", bound=2, max_runs=130))])
def test_any_split_of_the_runs_over_tasks_is_the_serial_search(dask_client, chunk, window, design, args):
    """Tasks of 1, 7 or 500 runs, 1 to 3 of them out at a time: a cap reached in the middle of a task, the
    first violation ending a level (with or without stop_at_first: the next level walked before the level is
    counted), the runs made ahead of the search's stop: the serial result (runs,
    states, pruning, coverage, counterexample)."""
    from acrn.sweep import ParallelRuns

    ex = Explorer(load_scenario("kick-race"), design, horizon_us=80)
    serial = ex.explore(**args)
    parallel = ParallelRuns(ex, dask_client, chunk=chunk, window=window).explore(**args)
    assert _strip(parallel) == _strip(serial)
    assert (parallel.counterexample is None) == (serial.counterexample is None)
    if serial.counterexample is not None:
        assert parallel.counterexample.runs_before == serial.counterexample.runs_before


def test_cli_sweep_on_a_scheduler_writes_resumable_rows(dask_client, tmp_path, reference):
    out = str(tmp_path / "rows.parquet")
    args = ["sweep", *SCENARIOS, *sum((["-d", d] for d in DESIGNS), []), "--seeds", "1-4", "--out", out,
            "--scheduler", dask_client.scheduler.address, "-q"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == EXIT_VIOLATION, res.output  # ipi violates no-spurious-guest-interrupt
    assert read_rows(out) == reference
    assert "24 rows in %s" % out in res.output
    assert "acrn-model run smp-call --design" in res.output  # the worst run's replay command
    before = open(out, "rb").read()
    res = CliRunner().invoke(main, args)  # a rerun finds every row there: nothing runs, the same file
    assert res.exit_code == EXIT_VIOLATION, res.output
    assert open(out, "rb").read() == before


def test_cli_explore_jobs_on_a_scheduler(dask_client):
    res = CliRunner().invoke(main, ["explore", "kick-race", "-d", "nmi-nowindow", "--json", "--scheduler",
                                    dask_client.scheduler.address])
    assert res.exit_code == EXIT_VIOLATION, res.output
    assert json.loads(res.stdout)["violation"]["choices"] == "x1:153=350"


def test_unreachable_scheduler_is_one_line(tmp_path):
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        for cmd in (["sweep", "smp-call", "-d", "nmi", "--seeds", "1"], ["explore", "kick-race", "-d", "nmi"]):
            res = CliRunner().invoke(main, cmd + ["--scheduler", "tcp://127.0.0.1:9"])
            assert res.exit_code == EXIT_INPUT
            lines = res.output.strip().splitlines()
            assert len(lines) == 1 and "--scheduler tcp://127.0.0.1:9: cannot reach the scheduler" in lines[0]


def test_a_plugin_the_workers_cannot_import_is_one_line(dask_client, tmp_path, monkeypatch):
    (tmp_path / "acrn_local_only_plugin.py").write_text("")  # importable here only, not on the workers
    monkeypatch.syspath_prepend(str(tmp_path))
    res = CliRunner().invoke(main, ["-p", "acrn_local_only_plugin", "sweep", "smp-call", "-d", "nmi", "--seeds", "1",
                                    "--scheduler", dask_client.scheduler.address, "-q"])
    assert res.exit_code == EXIT_INPUT
    lines = res.output.strip().splitlines()
    assert len(lines) == 1, res.output
    assert "worker tcp://127.0.0.1:" in lines[0] and "'acrn_local_only_plugin'" in lines[0], lines[0]
    assert "cannot import" in lines[0]


KILLER = '''
import os
from acrn.hookspecs import hookimpl


@hookimpl
def acrn_register_invariants():
    class Kill:
        description = "a check that kills the worker process it runs in"

        def check(self, run):
            if os.environ.get("ACRN_TEST_KILL_WORKER"):
                os._exit(1)
            return []
    return {"kills-its-worker": Kill()}
'''


def test_a_run_that_kills_every_worker_it_meets_stops_the_sweep(tmp_path, monkeypatch):
    """After Dask's own retries (here none: allowed-failures 0) the sweep stops with one line and status 3."""
    import logging

    from distributed import Client

    from acrn.sweep import local_cluster

    (tmp_path / "acrn_killer_plugin.py").write_text(KILLER)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    monkeypatch.setenv("ACRN_TEST_KILL_WORKER", "1")
    out = str(tmp_path / "rows.csv")
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            local_cluster(1, silence=logging.CRITICAL) as cluster, Client(cluster, set_as_default=False):
        res = CliRunner().invoke(main, ["-p", "acrn_killer_plugin", "sweep", "smp-call", "-d", "nmi", "--seeds",
                                        "1", "--scheduler", cluster.scheduler_address, "-q", "--out", out])
    assert res.exit_code == EXIT_INCOMPLETE, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "a worker died running" in lines[0], res.output
    assert not os.path.exists(out)


RAISER = '''
from acrn.hookspecs import hookimpl


@hookimpl
def acrn_on_vmexit(pcpu_id, vcpu, reason, time):
    raise RuntimeError("boom")
'''


def test_a_plugin_that_raises_on_a_worker_is_one_line(dask_client, tmp_path, monkeypatch):
    (tmp_path / "acrn_raising_plugin.py").write_text(RAISER)
    monkeypatch.syspath_prepend(str(tmp_path))
    dask_client.run(lambda p: __import__("sys").path.insert(0, p), str(tmp_path))  # the workers import it too
    try:
        res = CliRunner().invoke(main, ["-p", "acrn_raising_plugin", "sweep", "smp-call", "-d", "nmi", "--seeds",
                                        "1", "--scheduler", dask_client.scheduler.address, "-q"])
    finally:
        dask_client.run(lambda p: __import__("sys").path.remove(p), str(tmp_path))
    assert res.exit_code == EXIT_INPUT, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "plugin 'acrn_raising_plugin', hook acrn_on_vmexit" in lines[0], res.output


def test_out_in_a_missing_folder_is_one_line(dask_client, tmp_path):
    out = str(tmp_path / "no" / "rows.csv")
    res = CliRunner().invoke(main, ["sweep", "smp-call", "-d", "nmi", "--seeds", "1", "--out", out, "--scheduler",
                                    dask_client.scheduler.address, "-q"])
    assert res.exit_code == EXIT_INPUT
    assert res.output.strip().splitlines() == ["acrn-model: error: --out %s: cannot write beside it "
                                               "(No such file or directory)" % out]
