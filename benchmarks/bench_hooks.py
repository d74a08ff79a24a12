"""What plugin hooks cost per simulated VM exit.

Configurations, each a registry built in this process (entry-point autoload off, so only what is listed):

- ``none``:        the built-in plugins only (no run-time observer: every ``on_*`` callable of the engine is None);
- ``setup-only``:  + a plugin that implements one setup-time hook (``acrn_register_workloads``, adding
                   nothing): still no run-time observer, so the hot path must be unchanged;
- ``observer``:    + a plugin with one trivial ``acrn_on_vmexit`` observer (it counts exits);
- ``observer-all``: + that plugin implementing all four run-time observers (for scale).

Three figures:

1. end to end: ``Run.execute()`` of the ``bench_engine`` workload (4 pCPUs, sched_noop, design ``nmi``),
   ns per VM exit, each configuration repeated (rounds interleaved); overhead = median (or best) minus
   ``none``'s.  The spread of ``none`` across repeats is printed: differences below it are noise, and a
   hook's cost (tens to a few hundred ns on an exit of ~10-20 us) is below it.
2. the dispatch alone: ``RuntimeHooks.vmexit`` / ``.vmentry`` / ``.request`` called in a loop (timeit),
   ns per call: one implementation with an empty body, one with the counting body, none.
3. the estimate: hook calls per VM exit (counted in the workload) x ns per call: what each configuration
   adds per exit, to the nanosecond.

Targets (issue 7): an unimplemented run-time hook costs at most a few ns per exit; one observer about
100 ns plus its body.  Nothing here asserts timings; the numbers are printed.

    python -m benchmarks hooks                  # or: python benchmarks/bench_hooks.py [--quick] [--json]
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
DESIGN = "nmi"
SEED = 7
DURATION_US = 40_000.0
CONFIGS = ("none", "setup-only", "observer", "observer-all")


def _hookimpl():
    from acrn.hookspecs import hookimpl

    return hookimpl


class SetupOnlyPlugin:
    """Implements one setup-time hook and nothing else."""

    @_hookimpl()
    def acrn_register_workloads(self):
        return {}


class VmexitObserver:
    """One trivial run-time observer: count the VM exits."""

    def __init__(self):
        self.exits = 0

    @_hookimpl()
    def acrn_on_vmexit(self, pcpu_id, vcpu, reason, time):
        self.exits += 1


class AllObservers(VmexitObserver):
    """All four run-time observers, each trivial."""

    def __init__(self):
        super().__init__()
        self.entries = self.requests = self.nmis = 0

    @_hookimpl()
    def acrn_on_vmentry(self, pcpu_id, vcpu, time):
        self.entries += 1

    @_hookimpl()
    def acrn_on_request(self, vcpu, bit, what, time):
        self.requests += 1

    @_hookimpl()
    def acrn_on_nmi(self, pcpu_id, sources, in_guest, time):
        self.nmis += 1


def registry_for(config):
    """(registry, plugin object or None) of one configuration."""
    from acrn.plugin import Registry, get_plugin_manager

    pm = get_plugin_manager(autoload=False)
    plugin = None
    if config == "setup-only":
        plugin = SetupOnlyPlugin()
    elif config == "observer":
        plugin = VmexitObserver()
    elif config == "observer-all":
        plugin = AllObservers()
    if plugin is not None:
        pm.register(plugin, name="bench-" + config)
    return Registry(pm), plugin


def _scenario(duration_us, seed):
    sys.path.insert(0, os.path.dirname(HERE))
    try:
        from benchmarks.bench_engine import bench_scenario
    finally:
        sys.path.pop(0)
    from acrn.scenarios import parse_scenario

    return parse_scenario(bench_scenario(duration_us, seed), "<bench_hooks>")


def measure_run(config, scenario, seed):
    """ns per VM exit of one run under ``config``."""
    from acrn.host.run import Run

    registry, plugin = registry_for(config)
    run = Run(scenario, DESIGN, seed=seed, registry=registry)
    t0 = time.perf_counter_ns()
    result = run.execute()
    wall = time.perf_counter_ns() - t0
    exits = result.counts["vm_exits"]
    if plugin is not None and hasattr(plugin, "exits") and plugin.exits != exits:
        raise RuntimeError("observer saw %d exits, the run made %d" % (plugin.exits, exits))
    out = {"exits": exits, "wall_ns": wall, "ns_per_exit": wall / exits}
    if isinstance(plugin, AllObservers):  # how often each run-time hook is called per VM exit
        out["calls_per_exit"] = {"vmexit": plugin.exits / exits, "vmentry": plugin.entries / exits,
                                 "request": plugin.requests / exits, "nmi": plugin.nmis / exits}
    return out


class PassObservers:
    """All run-time observers with an empty body: the dispatch cost alone."""

    @_hookimpl()
    def acrn_on_vmexit(self, pcpu_id, vcpu, reason, time):
        pass

    @_hookimpl()
    def acrn_on_vmentry(self, pcpu_id, vcpu, time):
        pass

    @_hookimpl()
    def acrn_on_request(self, vcpu, bit, what, time):
        pass


def measure_dispatch(number):
    """ns per call of the RuntimeHooks methods (minus the timing loop's own call): with one implementation
    whose body is empty, with one that counts (the benchmark's "trivial" observer), and with none while
    another hook has one (so that a RuntimeHooks exists and the engine calls it)."""
    from acrn.plugin import RuntimeHooks, get_plugin_manager

    def per_call(fn):
        return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e9

    def hooks_with(plugin):
        pm = get_plugin_manager(autoload=False)
        pm.register(plugin, name="bench-dispatch")
        return RuntimeHooks(pm)

    empty, counting, none = hooks_with(PassObservers()), hooks_with(AllObservers()), hooks_with(VmexitObserver())
    loop = per_call(lambda: None)
    out = {"timing loop (subtracted)": {"lambda": loop}}
    for label, h in (("one implementation, empty body", empty), ("one implementation, counting", counting)):
        out[label] = {
            "vmexit": per_call(lambda: h.vmexit(2, None, 10, 1000)) - loop,
            "vmentry": per_call(lambda: h.vmentry(2, None, 1000)) - loop,
            "request": per_call(lambda: h.request(None, 5, "made", 1000)) - loop,
        }
    out["no implementation"] = {
        "vmentry": per_call(lambda: none.vmentry(2, None, 1000)) - loop,
        "request": per_call(lambda: none.request(None, 5, "made", 1000)) - loop,
    }
    return out


def estimate(calls, dispatch):
    """ns per VM exit each configuration adds: calls per exit x ns per call (the precise figure; the end-to-end
    difference is within the run-to-run noise)."""
    counting = dispatch["one implementation, counting"]
    return {
        "none": 0.0,
        "setup-only": 0.0,  # the engine's on_* callables stay None: nothing is called
        # the hooks nobody implements are not called at all (their on_* callable is None)
        "observer": calls["vmexit"] * counting["vmexit"],
        "observer-all": calls["vmexit"] * counting["vmexit"] + calls["vmentry"] * counting["vmentry"]
        + calls["request"] * counting["request"],
    }


def main(argv=None):
    import acrn

    ap = argparse.ArgumentParser(prog="bench_hooks", description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5, help="runs per configuration (default 5)")
    ap.add_argument("--duration-us", type=float, default=DURATION_US)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--quick", action="store_true", help="smoke test: short runs, 2 repeats")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)
    if args.quick:
        args.repeats, args.duration_us = 2, 2000.0
    scenario = _scenario(args.duration_us, args.seed)
    samples = {c: [] for c in CONFIGS}
    measure_run("none", scenario, args.seed)  # warm-up: imports, first-call costs
    for _ in range(args.repeats):
        for config in CONFIGS:  # interleaved: background load drifts over all configurations alike
            samples[config].append(measure_run(config, scenario, args.seed))
    base = statistics.median(s["ns_per_exit"] for s in samples["none"])
    spread = max(s["ns_per_exit"] for s in samples["none"]) - min(s["ns_per_exit"] for s in samples["none"])
    summary = {}
    for config in CONFIGS:
        values = [s["ns_per_exit"] for s in samples[config]]
        med = statistics.median(values)
        summary[config] = {"ns_per_exit_median": med, "ns_per_exit_best": min(values),
                           "overhead_ns_per_exit": med - base, "overhead_best_ns": min(values) - min(
                               s["ns_per_exit"] for s in samples["none"]),
                           "exits": samples[config][0]["exits"]}
    dispatch = measure_dispatch(20_000 if args.quick else 200_000)
    calls = samples["observer-all"][0]["calls_per_exit"]
    for config, ns in estimate(calls, dispatch).items():
        summary[config]["estimated_overhead_ns_per_exit"] = ns
    meta = {"compiled": acrn.compiled(), "python": platform.python_version(), "design": DESIGN,
            "duration_us": args.duration_us, "repeats": args.repeats, "none_spread_ns": spread,
            "loadavg": "%.2f %.2f %.2f" % os.getloadavg()}
    if args.json:
        print(json.dumps({"meta": meta, "summary": summary, "hook_calls_per_exit": calls,
                          "dispatch_ns_per_call": dispatch}, indent=2))
        return 0
    print("bench_hooks: ns per simulated VM exit, %s core, design %s, %.0f us simulated, %d repeats "
          "(python %s, load %s)" % ("compiled" if meta["compiled"] else "interpreted", DESIGN, args.duration_us,
                                    args.repeats, meta["python"], meta["loadavg"]))
    head = "%-14s %10s %12s %12s %13s %13s %14s" % ("config", "VM exits", "ns/exit med", "ns/exit best",
                                                   "overhead med", "overhead best", "overhead est.")
    print(head)
    print("-" * len(head))
    for config in CONFIGS:
        s = summary[config]
        print("%-14s %10d %12.0f %12.0f %+13.0f %+13.0f %+14.1f" % (
            config, s["exits"], s["ns_per_exit_median"], s["ns_per_exit_best"], s["overhead_ns_per_exit"],
            s["overhead_best_ns"], s["estimated_overhead_ns_per_exit"]))
    print("  spread of 'none' over its repeats: %.0f ns/exit: end-to-end differences below that are noise;" % spread)
    print("  'overhead est.' = hook calls per exit x ns per call (below), the precise figure")
    print("  hook calls per VM exit: %s" % ", ".join("%s %.2f" % kv for kv in calls.items()))
    print("dispatch alone (RuntimeHooks methods called in a loop, ns per call, best of 5):")
    for label, rows in dispatch.items():
        print("  %-34s %s" % (label, ", ".join("%s %.1f" % kv for kv in rows.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
