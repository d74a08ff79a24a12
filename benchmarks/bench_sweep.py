"""Scale-out on Dask: sweep throughput with 2 workers vs 1, the Dask path's per-run overhead against a loop of
``run_scenario``, and parallel explore's states/s with 2 workers vs serial (issue: Scale-out).

All in one process, side by side: a loop of ``run_scenario`` (the baseline), then the same runs as a sweep on
a local cluster of 1 worker process and of 2 (clusters started, and their workers' imports done, before the
clock starts), then a DFS search at
bound 2, serially and with 2 workers.  The machine's load average is printed with the figures: the workers
share the cores with whatever else runs; the CPU seconds of every process involved (this one, with the
scheduler, and the workers) say what each path costs whatever the load.  Targets (issue): >= 1.7x sweep throughput with 2 workers on >= 200
runs; <= 5 ms overhead per run; >= 1.7x states/s at bound 2 with 2 workers.

    python -m benchmarks sweep [-- --seeds 50 --horizon-us 50 --json]
"""
import argparse
import json
import os
import resource
import time

SCENARIOS = ("msi-nmi", "guest-nmi-ipi")
DESIGNS = ("nmi", "init")


def _cpu_s():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _warm():
    """A worker's one-time cost (imports, the plugin registry) before the clock starts."""
    from acrn.sweep import worker_registry

    worker_registry(())


def started(client):
    client.run(_warm)
    return client


def cpu_of(client):
    """CPU seconds used so far by this process (client and scheduler) and by the workers."""
    return _cpu_s() + sum(client.run(_cpu_s).values())


def sweep_figures(seeds):
    from distributed import Client

    from acrn.host.run import run_scenario
    from acrn.scenarios import load_scenario
    from acrn.sweep import local_cluster, result_row, sweep

    combos = [(sc, d, s) for sc in SCENARIOS for d in DESIGNS for s in range(1, seeds + 1)]
    loaded = {sc: load_scenario(sc) for sc in SCENARIOS}
    start, cpu = time.perf_counter(), _cpu_s()
    rows = [result_row(run_scenario(loaded[sc], d, seed=s), sc, {}) for sc, d, s in combos]
    loop_s = time.perf_counter() - start
    out = {"runs": len(combos), "loop_s": loop_s, "loop_cpu_s": _cpu_s() - cpu}
    for n in (1, 2):
        with local_cluster(n) as cluster, Client(cluster, set_as_default=False) as client:
            start, cpu = time.perf_counter(), cpu_of(started(client))
            table = sweep(list(SCENARIOS), list(DESIGNS), list(range(1, seeds + 1)), client=client)
            out["dask%d_s" % n] = time.perf_counter() - start
            out["dask%d_cpu_s" % n] = cpu_of(client) - cpu
        assert table.rows == rows, "the sweep's rows differ from the loop's"
    out["speedup_2_vs_1"] = out["dask1_s"] / out["dask2_s"]
    out["overhead_ms_per_run"] = (out["dask1_s"] - loop_s) / len(combos) * 1000
    out["cpu_overhead_ms_per_run"] = (out["dask1_cpu_s"] - out["loop_cpu_s"]) / len(combos) * 1000
    return out


def explore_figures(horizon_us, bound):
    from distributed import Client

    from acrn.explore import Explorer
    from acrn.scenarios import load_scenario
    from acrn.sweep import explore_parallel, local_cluster

    ex = Explorer(load_scenario("kick-race"), "nmi", horizon_us=horizon_us)
    cpu = _cpu_s()
    serial = ex.explore(bound=bound, max_states=10 ** 7)
    serial_cpu = _cpu_s() - cpu
    with local_cluster(2) as cluster, Client(cluster, set_as_default=False) as client:
        cpu = cpu_of(started(client))
        parallel = explore_parallel(ex, client=client, bound=bound, max_states=10 ** 7)
        parallel_cpu = cpu_of(client) - cpu
    assert (parallel.runs, parallel.states, parallel.pruned) == (serial.runs, serial.states, serial.pruned)
    return {"bound": bound, "horizon_us": horizon_us, "runs": serial.runs, "states": serial.states,
            "serial_s": serial.elapsed, "parallel2_s": parallel.elapsed,
            "serial_states_per_s": serial.states / serial.elapsed,
            "parallel2_states_per_s": parallel.states / parallel.elapsed,
            "speedup_2_vs_serial": serial.elapsed / parallel.elapsed, "serial_cpu_s": serial_cpu,
            "parallel2_cpu_s": parallel_cpu}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=50, help="seeds per scenario x design (4 of them) [50: 200 runs]")
    ap.add_argument("--horizon-us", type=float, default=50.0)
    ap.add_argument("--bound", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = {"cores": os.cpu_count(), "load_before": os.getloadavg()[0], "sweep": sweep_figures(args.seeds),
           "explore": explore_figures(args.horizon_us, args.bound), "load_after": os.getloadavg()[0]}
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    s, e = out["sweep"], out["explore"]
    print("machine: %d cores, load average %.1f before, %.1f after" % (out["cores"], out["load_before"],
                                                                      out["load_after"]))
    print("sweep of %d runs (%s x %s x seeds 1-%d):" % (s["runs"], "/".join(SCENARIOS), "/".join(DESIGNS), args.seeds))
    print("  loop of run_scenario %.2f s; Dask 1 worker %.2f s; 2 workers %.2f s" % (s["loop_s"], s["dask1_s"],
                                                                                   s["dask2_s"]))
    print("  2 workers vs 1: %.2fx (target >= 1.7x); Dask overhead %.2f ms per run (target <= 5)" % (
        s["speedup_2_vs_1"], s["overhead_ms_per_run"]))
    print("  CPU (all processes): loop %.2f s; 1 worker %.2f s; 2 workers %.2f s: %.2f ms more per run" % (
        s["loop_cpu_s"], s["dask1_cpu_s"], s["dask2_cpu_s"], s["cpu_overhead_ms_per_run"]))
    print("explore kick-race under nmi, dfs bound %d, horizon %g us: %d runs, %d states" % (
        e["bound"], e["horizon_us"], e["runs"], e["states"]))
    print("  serial %.2f s (%.0f states/s); 2 workers %.2f s (%.0f states/s): %.2fx (target >= 1.7x)" % (
        e["serial_s"], e["serial_states_per_s"], e["parallel2_s"], e["parallel2_states_per_s"],
        e["speedup_2_vs_serial"]))
    print("  CPU (all processes): serial %.2f s; 2 workers %.2f s" % (e["serial_cpu_s"], e["parallel2_cpu_s"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
