"""Sweeps (scenarios x designs x cost settings x seeds) and parallel exploration on Dask.

``sweep(...)`` runs one :func:`acrn.host.run.run_scenario` per combination as Dask tasks, on a local cluster
of worker processes (the default) or on any ``dask.distributed`` scheduler by address, and returns a
:class:`Table` of one row per run.  A row is a function of its combination alone (no wall clock, no
mode flag), and the table is ordered by combination, so the rows are the same whatever the number of
workers and the order they finish in.  The runs go out in a few tasks per worker (:func:`chunk_size`); a task
sends its finished rows to the client as it goes (every ROWS_EVERY_S, as Dask worker events) and all of them
with its result, and the client keeps each row once.  With ``out``, every row that reaches the client is
appended at once to the journal ``OUT.partial`` (JSON lines); at the end the whole table is written to
``OUT`` (CSV, JSON lines or Parquet by its extension) through a temporary file and a rename, and the journal
is removed.  A rerun with the
same ``out`` takes the rows already in ``OUT`` and in the journal and runs only the missing ones.

``explore_parallel(...)`` runs a search's runs on the workers (:class:`ParallelRuns`): the search itself
(where it branches, which states it prunes, the order it counts runs in) stays in this process, so its
outcome (runs, states, pruning, coverage, the first violation and its minimal counterexample) is the serial
one by construction; the leaves of each DFS level (the bulk of the runs) and the draws of random and pct go
out in tasks of consecutive runs, and come back as small summaries.
"""
import collections
import contextlib
import csv
import json
import logging
import os
import pickle
import re
import threading
import uuid
from dataclasses import replace

from acrn.errors import AcrnModelError

SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
JOURNAL_SUFFIX = ".partial"
RUN_COLUMNS = (  # (name, type) of every row's columns before the invariants' verdicts
    ("scenario", str), ("design", str), ("seed", int), ("cost", str))
RESULT_COLUMNS = (  # after the verdicts
    ("violations", int), ("first_violation", str), ("steps", int), ("vm_exits", int), ("requests", int),
    ("kicks", int), ("guest_interrupts", int), ("faults", int), ("guest_nmis_raised", int),
    ("guest_nmis_received", int), ("latency_n", int), ("latency_p50_us", float), ("latency_p99_us", float),
    ("latency_max_us", float), ("digest", str), ("replay", str))
KEY = ("scenario", "design", "cost", "seed")  # what identifies a row (for resuming)
TASKS_PER_WORKER = 4  # a sweep's runs are cut into about this many Dask tasks per worker...
MAX_CHUNK = 100  # ...of at most this many runs
ROWS_EVERY_S = 0.1  # a task sends the rows it has finished to the client this often


class SweepError(AcrnModelError):
    """A sweep or parallel search that cannot go on: a scheduler not reached, a worker that cannot load the
    plugins, a run that killed its workers.  ``status`` is the exit status the command returns."""

    def __init__(self, message, status=None):
        from acrn.cli.common import EXIT_INPUT

        super().__init__(message)
        self.status = EXIT_INPUT if status is None else status

    def __reduce__(self):  # raised in a worker, re-raised in the client
        return (SweepError, (str(self), self.status))


# ---- the combinations and their rows -------------------------------------------------------------------
def parse_seeds(text):
    """``A-B``, ``N`` or a comma list of them -> the sorted seeds; a bad one raises SweepError."""
    seeds = set()
    for part in text.split(","):
        m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not m or (m.group(2) is not None and int(m.group(2)) < int(m.group(1))):
            raise SweepError("--seeds %s: expected A-B, N or a comma list of them (0 <= A <= B)" % text)
        lo = int(m.group(1))
        seeds.update(range(lo, int(m.group(2) or lo) + 1))
    return sorted(seeds)


def cost_text(costs):
    """A cost setting ({step: cycles or [lo, hi]}) as ``step=N;step=LO:HI`` (sorted), '' for none."""
    return ";".join("%s=%s" % (k, v if isinstance(v, int) else "%d:%d" % tuple(v)) for k, v in sorted(costs.items()))


def cost_grid(settings):
    """{step: [value, ...]} -> every combination as a list of {step: value}, in the given order."""
    grid = [{}]
    for step, values in settings.items():
        grid = [dict(g, **{step: v}) for g in grid for v in values]
    return grid


def columns(invariant_names):
    """The columns of a sweep's rows: run, one verdict per invariant, results."""
    return [c for c, _ in RUN_COLUMNS] + list(invariant_names) + [c for c, _ in RESULT_COLUMNS]


def replay_command(scenario_arg, design, seed, costs, plugins=()):
    """The ``acrn-model run`` command line that reproduces one row's run."""
    words = ["acrn-model"] + ["-p %s" % p for p in plugins] + ["run", scenario_arg, "--design", design,
                                                                "--seed", str(seed)]
    words += ["--cost %s" % c for c in cost_text(costs).split(";") if c]
    return " ".join(words)


def result_row(result, scenario_arg, costs, plugins=()):
    """One row of a sweep from a :class:`~acrn.engine.result.RunResult` (the same in every process)."""
    row = {"scenario": result.scenario, "design": result.design, "seed": result.seed, "cost": cost_text(costs)}
    first = None
    for v in result.verdicts:
        row[v.name] = v.verdict
        if v.first is not None and (first is None or v.first.time < first[1].time):
            first = (v.name, v.first)
    c, lat = result.counts, result.request_latency
    row.update({
        "violations": sum(v.count for v in result.verdicts),
        "first_violation": "" if first is None else "%s at %.3f us on pCPU%d: %s" % (
            first[0], first[1].time / result.tsc_mhz, first[1].pcpu, first[1].message),
        "steps": c["steps"], "vm_exits": c["vm_exits"], "requests": c["requests"], "kicks": sum(c["kicks"].values()),
        "guest_interrupts": c["guest_interrupts"], "faults": c["faults"], "guest_nmis_raised": c["guest_nmis_raised"],
        "guest_nmis_received": c["guest_nmis_received"], "latency_n": lat.n, "latency_p50_us": lat.p50_us,
        "latency_p99_us": lat.p99_us, "latency_max_us": lat.max_us, "digest": result.digest(),
        "replay": replay_command(scenario_arg, result.design, result.seed, costs, plugins),
    })
    return row


def row_key(row):
    return tuple(row[k] for k in KEY)


class Table:
    """A sweep's rows (dicts) in combination order, with their column names."""

    def __init__(self, columns, rows):
        self.columns = list(columns)
        self.rows = list(rows)

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, i):
        return self.rows[i]

    def column(self, name):
        return [r.get(name) for r in self.rows]

    def to_arrow(self):
        """The rows as a ``pyarrow.Table`` (typed columns)."""
        import pyarrow as pa

        types = column_types(self.columns)
        arrow = {str: pa.string(), int: pa.int64(), float: pa.float64()}
        schema = pa.schema([(c, arrow[types[c]]) for c in self.columns])
        return pa.Table.from_pylist([{c: r.get(c) for c in self.columns} for r in self.rows], schema=schema)


def column_types(cols):
    known = dict(RUN_COLUMNS + RESULT_COLUMNS)
    return {c: known.get(c, str) for c in cols}  # the verdict columns are strings


# ---- output files ---------------------------------------------------------------------------------------
def output_format(path):
    """The format of an output file by its extension; another one raises SweepError."""
    ext = os.path.splitext(str(path))[1].lower()
    if ext not in SUFFIXES:
        raise SweepError("--out %s: unknown extension %r (use %s)" % (path, ext, ", ".join(SUFFIXES)))
    return SUFFIXES[ext]


def write_table(path, table):
    """Write the table to ``path`` in the format of its extension, atomically (temporary file + rename)."""
    fmt = output_format(path)
    tmp = "%s.tmp%d" % (path, os.getpid())
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            pq.write_table(table.to_arrow(), tmp)
        else:
            with open(tmp, "w", newline="") as f:
                if fmt == "csv":
                    w = csv.writer(f, lineterminator="\n")
                    w.writerow(table.columns)
                    for r in table.rows:
                        w.writerow(["" if r.get(c) is None else r.get(c) for c in table.columns])
                else:
                    for r in table.rows:
                        f.write(json.dumps({c: r.get(c) for c in table.columns}) + "\n")
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_rows(path):
    """The rows of an existing output file or journal (typed as in :data:`RUN_COLUMNS`...); a journal's
    last line cut by a kill is ignored.  A file that is not a sweep table raises SweepError."""
    fmt = "jsonl" if str(path).endswith(JOURNAL_SUFFIX) else output_format(path)
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            rows = pq.read_table(path).to_pylist()
        elif fmt == "jsonl":
            rows = []
            with open(path) as f:
                lines = f.read().split("\n")
            for i, line in enumerate(lines):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    if i == len(lines) - 1:  # the unterminated last line of a killed sweep
                        break
                    raise
        else:
            with open(path, newline="") as f:
                rows = list(csv.DictReader(f))
            types = column_types(rows[0].keys()) if rows else {}
            rows = [{c: v if types[c] is str else None if v == "" else types[c](v) for c, v in r.items()} for r in rows]
        for r in rows:
            row_key(r)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SweepError("--out %s: cannot resume from it, not a sweep table (%s: %s)" % (
            path, type(exc).__name__, exc)) from None
    except Exception as exc:  # pyarrow's own errors
        raise SweepError("--out %s: cannot resume from it (%s)" % (path, exc)) from None
    return rows


# ---- the cluster ------------------------------------------------------------------------------------------
@contextlib.contextmanager
def connect(jobs=None, scheduler=None):
    """A ``distributed.Client``: on the scheduler at ``scheduler`` (tcp://HOST:PORT, given up after Dask's
    ``distributed.comm.timeouts.connect``), or on a local cluster of ``jobs`` worker processes (default: the
    number of cores), closed on exit."""
    import dask
    from distributed import Client

    if scheduler:
        try:
            client = Client(scheduler, timeout=dask.config.get("distributed.comm.timeouts.connect"),
                            set_as_default=False)
        except Exception as exc:
            raise SweepError("--scheduler %s: cannot reach the scheduler (%s)" % (
                scheduler, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)) from None
        try:
            yield client
        finally:
            client.close()
        return
    with local_cluster(jobs or os.cpu_count() or 1) as lc, Client(lc, set_as_default=False) as client:
        yield client


# Dask settings of a local cluster.  Its scheduler sends every task to a worker at once (instead of one per
# free thread: a round trip per task leaves a worker idle), and its processes do less periodic work of their
# own: Dask's defaults (a statistical profiler sampling the task every 10 ms, an event-loop tick every 20 ms,
# memory and system monitors) cost its 4 processes about 0.1 CPU second per second even idle, on cores
# that the runs need; these cut it to about 0.013.
LOCAL_CLUSTER_CONFIG = {
    "distributed.scheduler.worker-saturation": float("inf"),
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "5s",
}


def local_cluster(n_workers, silence=logging.CRITICAL):
    """A ``LocalCluster`` of ``n_workers`` processes of one thread, listening on 127.0.0.1 only, with
    :data:`LOCAL_CLUSTER_CONFIG`."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(LOCAL_CLUSTER_CONFIG):
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                            dashboard_address="127.0.0.1:0", memory_limit=0, silence_logs=silence)


def n_workers(client):
    return max(1, len(client.scheduler_info(n_workers=-1)["workers"]))


_REGISTRIES = {}


def worker_registry(plugins):
    """The registry of the ``-p`` plugin modules in this worker process (built once); a module the worker
    cannot import raises SweepError naming the worker."""
    plugins = tuple(plugins)
    if plugins not in _REGISTRIES:
        from acrn.plugin import Registry, default_registry, get_plugin_manager

        try:
            _REGISTRIES[plugins] = Registry(get_plugin_manager(plugins)) if plugins else default_registry()
        except AcrnModelError as exc:
            raise SweepError("worker %s: %s" % (_worker_name(), exc)) from None
    return _REGISTRIES[plugins]


def _worker_name():
    try:
        from distributed import get_worker

        return get_worker().address
    except ValueError:
        return "pid %d" % os.getpid()


def _gather(client, futures, on_result, topic=None, on_event=None):
    """Call ``on_result(index, value)`` for each future as it finishes (each once, whatever Dask retried),
    and ``on_event(msg)`` for each event the tasks log under ``topic`` meanwhile (:func:`_log_event`); a task
    whose workers all died raises SweepError (exit status incomplete).  Everything is called in this thread."""
    import queue

    from distributed.scheduler import KilledWorker

    from acrn.cli.common import EXIT_INCOMPLETE

    index = {f.key: i for i, f in enumerate(futures)}
    inbox = queue.SimpleQueue()  # (future or None, event message), from Dask's threads
    if topic is not None:
        client.subscribe_topic(topic, lambda event: inbox.put((None, event[1])))
    try:
        if len(futures) == 1 and topic is None:  # (a callback thread costs a round trip more)
            on_result(0, futures[0].result())
            return
        for f in futures:
            f.add_done_callback(lambda f: inbox.put((f, None)))
        pending = len(futures)
        while pending:
            fut, msg = inbox.get()
            if fut is None:
                on_event(msg)
            else:
                pending -= 1
                on_result(index[fut.key], fut.result())
    except KilledWorker as exc:
        raise SweepError("a worker died running %s each time it was tried (%s); the rows written so far are kept" % (
            exc.args[0] if exc.args else "a task", exc.args[1] if len(exc.args) > 1 else "worker lost"),
            EXIT_INCOMPLETE) from None
    finally:
        if topic is not None:
            client.unsubscribe_topic(topic)
        for f in futures:
            f.release()


def _log_event(topic, msg):
    """Send ``msg`` to the client that waits on ``topic`` (in a Dask task; elsewhere nothing)."""
    from distributed import get_worker

    try:
        worker = get_worker()
    except ValueError:
        return
    worker.log_event(topic, msg)


# ---- sweeps ----------------------------------------------------------------------------------------------
def chunk_size(runs, workers):
    """Runs per Dask task: TASKS_PER_WORKER tasks per worker (a task costs a few milliseconds of Dask
    messages and the workers idle between two of them), at most MAX_CHUNK runs (a worker lost loses at most
    one task's unsent rows)."""
    return max(1, min(MAX_CHUNK, -(-runs // (TASKS_PER_WORKER * workers))))


def run_rows(scenario, scenario_arg, plugins, runs, topic=None, every_s=ROWS_EVERY_S):
    """Dask task: the rows of ``runs`` [(design, seed, costs), ...] of one scenario.  The rows finished so far
    are also sent to the client under ``topic`` every ``every_s`` seconds, so it writes and counts them
    before the task ends."""
    import time

    from acrn.explore import collect_run_garbage, runs_back_to_back
    from acrn.host.run import Run

    registry = worker_registry(plugins)
    rows = []
    sent, last = 0, time.monotonic()
    with runs_back_to_back():
        for design, seed, costs in runs:
            sc = replace(scenario, cost=dict(scenario.cost, **costs))
            with _as_sweep_error():
                result = Run(sc, design, seed=seed, registry=registry).execute()
            rows.append(result_row(result, scenario_arg, costs, plugins))
            del result
            collect_run_garbage()
            if topic is not None and time.monotonic() - last >= every_s and len(rows) < len(runs):
                _log_event(topic, rows[sent:])
                sent, last = len(rows), time.monotonic()
    return rows


@contextlib.contextmanager
def _as_sweep_error():
    """An input error in a worker (a plugin that raises) as a SweepError, which Dask carries back whole."""
    try:
        yield
    except SweepError:
        raise
    except AcrnModelError as exc:
        raise SweepError(str(exc)) from None


def sweep(scenarios, designs, seeds, costs=None, jobs=None, scheduler=None, client=None, out=None, plugins=(),
          registry=None, chunk=None, progress=None, on_rows=None):
    """Run every combination of ``scenarios`` (names or paths) x ``designs`` x cost settings x ``seeds`` and
    return the :class:`Table` of their rows, in that order (seeds innermost).

    ``costs``: {step: [value, ...]} (a value: cycles or [lo, hi]); every combination of the steps' values is
    one cost setting.  ``client`` (a ``distributed.Client``), else ``scheduler`` (an address), else a local
    cluster of ``jobs`` processes.  ``out``: the file to write (and resume from).  ``progress(done, total,
    failed)`` after each finished task; ``on_rows(rows)`` with each task's new rows."""
    from acrn.plugin import Registry, default_registry, get_plugin_manager
    from acrn.scenarios import load_scenario

    registry = registry or (Registry(get_plugin_manager(plugins)) if plugins else default_registry())
    for d in designs:
        if d not in registry.designs:
            raise SweepError("--design: unknown design %r (known: %s)" % (d, ", ".join(registry.designs)))
    if not scenarios or not designs or not seeds:
        raise SweepError("a sweep needs at least one scenario, one --design and one seed")
    loaded = [(arg, load_scenario(arg, registry)) for arg in scenarios]
    grid = cost_grid(costs or {})
    cols = columns(registry.invariants)
    combos = [(arg, sc, d, s, c) for arg, sc in loaded for d in designs for c in grid for s in seeds]
    order = {(sc.name, d, cost_text(c), s): i for i, (arg, sc, d, s, c) in enumerate(combos)}

    done = {}  # key -> row
    if out is not None:
        output_format(out)
        for path in (out, str(out) + JOURNAL_SUFFIX):
            if os.path.exists(path):
                for r in read_rows(path):
                    done.setdefault(row_key(r), r)
    todo = [c for c in combos if (c[1].name, c[2], cost_text(c[4]), c[3]) not in done]
    failed = [sum(1 for k, r in done.items() if k in order and row_failed(r))]
    finished = [len(combos) - len(todo)]
    if progress is not None:
        progress(finished[0], len(combos), failed[0])

    journal = None
    try:
        if todo:
            try:
                journal = open(str(out) + JOURNAL_SUFFIX, "a") if out is not None else None
            except OSError as exc:
                raise SweepError("--out %s: cannot write beside it (%s)" % (out, exc.strerror)) from None

            def take(_, rows):
                new = []
                for r in rows:
                    if row_key(r) in done:
                        continue  # never twice, whatever Dask retried or a task sent before it ended
                    done[row_key(r)] = r
                    new.append(r)
                    if journal is not None:
                        journal.write(json.dumps(r) + "\n")
                    finished[0] += 1
                    failed[0] += row_failed(r)
                if journal is not None:
                    journal.flush()
                if on_rows is not None and new:
                    on_rows(new)
                if progress is not None:
                    progress(finished[0], len(combos), failed[0])

            with (contextlib.nullcontext(client) if client is not None else connect(jobs, scheduler)) as cl:
                size = chunk or chunk_size(len(todo), n_workers(cl))
                tasks = []
                for i in range(0, len(todo), size):
                    part = todo[i:i + size]
                    by_scenario = {}
                    for arg, sc, d, s, c in part:
                        by_scenario.setdefault((arg, sc.name), (sc, []))[1].append((d, s, c))
                    tasks += [(sc, arg, runs) for (arg, _), (sc, runs) in by_scenario.items()]
                topic = "acrn-sweep-%s" % uuid.uuid4().hex
                futures = [cl.submit(run_rows, sc, arg, tuple(plugins), runs, topic, ROWS_EVERY_S, pure=False)
                           for sc, arg, runs in tasks]
                _gather(cl, futures, take, topic, lambda rows: take(None, rows))
    finally:
        if journal is not None:
            journal.close()
    mine = sorted((r for k, r in done.items() if k in order), key=lambda r: order[row_key(r)])
    others = [r for k, r in done.items() if k not in order]  # rows of other sweeps in the same file: kept
    table = Table(cols, mine + others)
    if out is not None:
        write_table(out, table)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(str(out) + JOURNAL_SUFFIX)
    return table


def row_failed(row):
    return row["violations"] > 0


def summary(table, invariant_names):
    """Per scenario x design: rows, for each invariant the passing fraction ``k/n`` (a verdict other than
    FAIL), and the worst request latency with the replay command of its run."""
    from acrn.engine.result import FAIL

    groups = {}
    for r in table.rows:
        groups.setdefault((r["scenario"], r["design"]), []).append(r)
    out = []
    for (scenario, design), rows in groups.items():
        worst = max(rows, key=lambda r: -1.0 if r["latency_max_us"] is None else r["latency_max_us"])
        out.append({"scenario": scenario, "design": design, "runs": len(rows),
                    "pass": {n: "%d/%d" % (sum(1 for r in rows if r.get(n) != FAIL), len(rows))
                             for n in invariant_names},
                    "worst_latency_us": worst["latency_max_us"], "worst_replay": worst["replay"]})
    return out


# ---- parallel exploration -----------------------------------------------------------------------------
_EXPLORERS = {}  # the explorer of the last search spec, in a worker


def _explorer(spec):
    """The worker's Explorer for a search ``spec`` (pickled (scenario, design, plugins, horizon, invariants)),
    its state hashes the same in every process."""
    if spec not in _EXPLORERS:
        from acrn.explore import Explorer

        scenario, design, plugins, horizon_us, invariants = pickle.loads(spec)
        _EXPLORERS.clear()
        _EXPLORERS[spec] = Explorer(scenario, design, registry=worker_registry(plugins), horizon_us=horizon_us,
                                    invariants=invariants)
    return _EXPLORERS[spec]


def explore_runs(spec, runs):
    """Dask task: the runs (pickled [(deviations, hash_after), ...]) of a search, each as its
    :class:`~acrn.explore.RunSummary`, with its choice points and state hashes when ``hash_after`` is not
    None (a run the search will branch from), pickled in one piece (Dask walks a task's arguments and
    serializes many small objects one by one: one blob each way costs less)."""
    from acrn.explore import runs_back_to_back

    ex = _explorer(spec)
    log = []
    with runs_back_to_back():
        for deviations, hash_after in pickle.loads(runs):
            with _as_sweep_error():
                points, hashes, summary = ex.search_run(dict(deviations), hash_after)
            log.append((summary, points, hashes) if hash_after is not None else (summary, None, None))
    return pickle.dumps(log, pickle.HIGHEST_PROTOCOL)


def _frozen(deviations):
    return tuple(sorted(deviations.items()))


EXPLORE_CHUNK = 256  # runs per task while a search's walk goes on (a task costs milliseconds of Dask messages)
EXPLORE_FIRST = 4  # the first task of runs the walk waits for: this many, each next one twice as many
EXPLORE_LAST = 16  # the smallest task at the end of a search
EXPLORE_EARLY = 32  # runs per worker sent at once, a task short or not, while the workers have too little work


class ParallelRuns:
    """How a search gets its runs on Dask workers (the ``runs`` of :meth:`acrn.explore.Explorer.explore`),
    for the same result as the serial search.

    The search itself (where it branches, which states it prunes, in which order it counts runs) runs here,
    as in the serial search; the workers make the runs.  A DFS run with fewer deviations than the bound is
    made with its state hashes (:func:`~acrn.explore.state_hash`, the same in every process) and kept: it is
    a run the search branches from at the next level.  The walk asks for every run without waiting: a run
    asked for is held here, and the held runs go out in tasks of ``chunk`` consecutive runs; the walk waits
    only for a run it branches from (if it is still held, the runs held go out at once, in tasks of
    EXPLORE_FIRST runs, then twice as many, and so on, so the first ones come back soon), and no barrier separates two DFS
    levels: the walk of the next level begins as soon as the runs it branches from come back, while the
    leaves of the level before are still being made (the :class:`~acrn.explore.Ledger` counts each level's
    runs before the next level's, and ends the search at the next level's mark if one found a violation).
    Tasks are submitted two per worker at a time (one running, the next waiting): when one ends, the next
    goes out, so a faster worker takes more of them; while fewer are out, the runs held go out every
    EXPLORE_EARLY runs per worker (growing tasks again), and the search, waiting for a run, sends what it
    holds.  At the end the last runs go out in tasks of decreasing size (a share of what is left, down to
    EXPLORE_LAST runs), so the workers end together.  At most ``window`` tasks are cut and not counted at a
    time.  Task keys are made here (``explore_runs-TAG-N``), not by Dask from the function and a uuid.
    A task sends back only the runs' summaries (:class:`~acrn.explore.RunSummary`: steps, choice points, the
    kinds of choice for the coverage, the first violation), and the points and hashes of the runs kept;
    they are counted in the serial order as they come back, so a cap or the first violation stops the
    count where the serial search stops.  The runs of random and pct are drawn here from the same seeded
    sequence as the serial search.  A run the search branches from that was not asked for ahead is made
    here at once."""

    def __init__(self, explorer, client, plugins=(), chunk=EXPLORE_CHUNK, window=None):
        from acrn.explore import Explorer

        self.local = Explorer(explorer.scenario, explorer.design, registry=explorer.registry,
                              horizon_us=explorer.horizon_us, invariants=explorer.invariants)
        self.spec = pickle.dumps((explorer.scenario, getattr(explorer.design, "name", explorer.design), tuple(plugins),
                                  explorer.horizon_us, explorer.invariants), pickle.HIGHEST_PROTOCOL)
        self.client = client
        self.workers = n_workers(client)
        self.chunk = chunk
        self.window = window or 64 * self.workers
        self.early = EXPLORE_EARLY * self.workers  # runs sent before a task is full when the workers starve
        self.keep = 0  # runs with fewer deviations than this are made with their state hashes and kept
        self.made = {}  # (deviations, hash_after) -> (points, hashes, summary) of the runs kept
        self.coming = set()  # the keys of the runs kept that are held or out, not back yet
        self.batch = []  # (deviations, hash_after, ledger entry) of the runs held, not sent yet
        self.out = collections.deque()  # (future, batch) sent, in the search's order
        self.todo = collections.deque()  # (pickled runs, batch) cut into tasks, not submitted yet
        self.tag = uuid.uuid4().hex  # task keys: explore_runs-TAG-N (no key of Dask's own to make per task)
        self.submitted = 0
        self.extra_runs = 0  # runs branched from that were not asked for ahead

    def explore(self, strategy="dfs", bound=1, **explore_args):
        self.keep = bound if strategy == "dfs" else 0
        try:
            return self.local.explore(strategy=strategy, bound=bound, runs=self, **explore_args)
        finally:
            self._drop()

    def interior(self, deviations, hash_after, ledger):
        key = (_frozen(deviations), hash_after)
        if key in self.coming:
            if any((d, h) == key for d, h, _ in self.batch):
                self._send(ledger, self._growing)
            elif self.batch and self._starving():
                self._send(ledger, self._full)
            while key not in self.made:
                self._count_oldest(ledger)
        if key not in self.made:
            self.extra_runs += 1
            self.made[key] = self.local.search_run(deviations, hash_after)
        return self.made[key]

    def leaf(self, deviations, ledger):
        hash_after = (max(deviations) if deviations else -1) if len(deviations) < self.keep else None
        key = (_frozen(deviations), hash_after)
        if key in self.made:
            ledger.run(deviations, self.made[key][2])
            return
        self.batch.append((key[0], hash_after, ledger.run(deviations)))
        if hash_after is not None:
            self.coming.add(key)
        if len(self.batch) >= self.chunk:
            self._send(ledger, self._full)
        elif len(self.batch) % self.early == 0 and self._starving():
            self._send(ledger, self._growing)
        while self.out and self.out[0][0].done() and not ledger.stopped:
            self._count_oldest(ledger)  # (counted as soon as they are back: a cap stops the walk early)
        if self.todo:
            self._submit()

    def _running(self):
        return sum(not future.done() for future, _ in self.out)

    def _starving(self):
        """Fewer than two tasks per worker running or waiting: some worker may soon have nothing to do."""
        return not self.todo and self._running() < 2 * self.workers

    def _submit(self):
        """Submit the tasks cut while fewer than two per worker run or wait (one running and the next one
        waiting on each worker: a worker that ends a task gets the next one, whichever worker is faster)."""
        running = self._running() if self.todo else 0
        while self.todo and running < 2 * self.workers:
            runs, part = self.todo.popleft()
            self.submitted += 1
            key = "explore_runs-%s-%d" % (self.tag, self.submitted)
            self.out.append((self.client.submit(explore_runs, self.spec, runs, key=key), part))
            running += 1

    def flush(self, ledger):
        if self.batch and not ledger.stopped:
            self._send(ledger, self._shrinking)
        while (self.out or self.todo) and not ledger.stopped:
            self._count_oldest(ledger)
        self._drop()

    def _drop(self):
        """Forget the runs held and out (after the search stopped: not counted)."""
        for future, _ in self.out:
            future.cancel()
        self.out.clear()
        self.todo.clear()
        self.batch.clear()
        self.coming.clear()

    # how the runs held are cut into tasks: each gives the size of the next task, ``left`` runs to send
    def _full(self, left, i):
        return self.chunk

    def _growing(self, left, i):
        return min(self.chunk, EXPLORE_FIRST << min(i, 20))

    def _shrinking(self, left, i):
        return min(self.chunk, max(EXPLORE_LAST, -(-left // (2 * self.workers))))

    def _send(self, ledger, size):
        """Send the runs held, in tasks of consecutive runs of ``size(runs left, task index)`` runs; then count
        the oldest tasks while more than ``window`` are out."""
        self._cut(size)
        self._submit()
        while len(self.out) + len(self.todo) > self.window and not ledger.stopped:
            self._count_oldest(ledger)

    def _cut(self, size):
        """The runs held as tasks to submit (see :meth:`_send`)."""
        batch, self.batch = self.batch, []
        i = start = 0
        while start < len(batch):
            part = batch[start:start + max(1, size(len(batch) - start, i))]
            runs = pickle.dumps([(deviations, hash_after) for deviations, hash_after, _ in part],
                                pickle.HIGHEST_PROTOCOL)
            self.todo.append((runs, part))
            start += len(part)
            i += 1

    def _count_oldest(self, ledger):
        from acrn.explore import collect_run_garbage

        self._submit()
        while not self.out[0][0].done():  # while it runs, a task that ends makes room for the next one
            if self.batch and not self.todo and self._running() < 2 * self.workers:
                self._cut(self._full)  # (a worker would wait while the search waits: the runs held go out)
            self._submit()
            if not self.todo and not self.batch:
                break
            ended = threading.Event()
            for f, _ in self.out:
                if not f.done():
                    f.add_done_callback(lambda _: ended.set())
            ended.wait()
        future, batch = self.out.popleft()
        log = []
        _gather(self.client, [future], lambda _, data: log.extend(pickle.loads(data)))
        self._submit()
        for (deviations, hash_after, entry), (summary, points, hashes) in zip(batch, log):
            entry[0] = summary
            if hash_after is not None:
                self.made[(deviations, hash_after)] = (points, hashes, summary)
                self.coming.discard((deviations, hash_after))
        ledger.settle()
        collect_run_garbage()  # (automatic collection is off during the search: Dask's garbage meanwhile)


def explore_parallel(explorer, jobs=None, scheduler=None, client=None, plugins=(), **explore_args):
    """``explorer.explore(**explore_args)`` with its runs on Dask (``client``, else ``scheduler``, else a local
    cluster of ``jobs`` processes): the same result as the serial search (:class:`ParallelRuns`)."""
    with (contextlib.nullcontext(client) if client is not None else connect(jobs, scheduler)) as cl:
        return ParallelRuns(explorer, cl, plugins).explore(**explore_args)
