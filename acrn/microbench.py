"""Micro-benchmarks of the model's exit paths, like kvm-unit-tests' ``vmexit`` table (``acrn-model microbench``).

Each path runs many times in a small purpose-built scenario (dicts through ``acrn.scenarios.parse_scenario``)
under one design.  Two figures per path:

- *modelled cycles per round trip*: simulated TSC cycles, from the run's own events.  An exit path's
  round trip starts when the guest stops (VM exit) and ends when it runs again (the VM entry has
  completed); a kick's starts when the request is made on another pCPU and ends when the target guest runs
  again after handling it.  The step breakdown (which cost-model steps the round trip took, and how long
  each took in this run) comes from the engine's ``step_hook``; ``acrn.host.tracing.Recorder`` gives the
  exits, entries and requests.  The ``cost model`` column is the sum of the [lo, hi] ranges of the steps
  of the most common sequence (for a kick that forces its exit directly, plus the kick's delivery): every
  round trip without waiting lies inside it.  A step's time runs until the pCPU's next step, so a step
  followed by spinning includes the spin (smp_call_func: waiting for the targets).
- *wall-clock ns per simulated VM exit*: the same scenario run again without any instrumentation, timed
  around ``Run.execute`` (so it includes the invariant checks at the end), divided by its VM exits.  Rows
  that share a scenario share this figure.

Which paths a design takes is the design's business: under ``nmi`` no lapic-pt vCPU is kicked by INIT, so
the ``init-kick`` row has no samples and says why.
"""
import bisect
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from acrn.arch_x86 import consts as C
from acrn.engine.chooser import Chooser
from acrn.engine.cost import (S_INIT_DELIVERY, S_IPI_DELIVERY, S_NMI_DELIVERY, S_VMENTRY, S_VMEXIT, STEP_NAMES,
                              CostModel)

DEFAULT_ROUNDS = 2000
DEFAULT_SEED = 1
DELIVERY = "made -> VM exit"  # breakdown label of a kick's first segment (sender's steps + delivery)


# ---- the scenarios ----------------------------------------------------------------------------------------
def _scenario(name, duration_us, vms, pcpus, scheduler="noop", seed=DEFAULT_SEED):
    return {"name": "microbench-" + name, "duration_us": float(duration_us), "seed": seed, "pcpus": pcpus,
            "scheduler": scheduler, "vm": vms}


def back_to_back(kind):
    """One normal vCPU whose guest executes ``kind`` in a loop (the next one is due as soon as it runs)."""
    def build(rounds, seed):
        us_per_round = {"cpuid": 1.05, "ept": 2.3}[kind]  # about one round trip each
        return _scenario(kind, 20 + rounds * us_per_round, [
            {"name": "guest", "pcpus": [0], "work": [{"kind": kind, "every_us": 0.001}]}], 1, seed=seed)
    return build


def timer_ticks(rounds, seed):
    """Four normal vCPUs under sched_iorr: its 1 ms tick (the hypervisor's LAPIC timer) interrupts each."""
    return _scenario("extint", 100 + rounds * 250.0, [
        {"name": "guest", "pcpus": [0, 1, 2, 3], "work": []}], 4, scheduler="iorr", seed=seed)


def normal_kicks(rounds, seed):
    """The service VM (pCPU 0) changes a normal guest's EPT: EPT_FLUSH requests for its two vCPUs, which
    run long stretches without exits (CPUID every 100-200 us)."""
    return _scenario("ipi-kick", 50 + rounds * 22.0, [
        {"name": "sos", "service": True, "pcpus": [0], "work": [
            {"kind": "ept_update", "every_us": [20, 60], "args": ["guest"]}]},
        {"name": "guest", "pcpus": [1, 2], "work": [{"kind": "cpuid", "every_us": [100, 200]}]}], 3, seed=seed)


def lapic_pt_kicks(rounds, seed):
    """The service VM (pCPU 0) changes a lapic-pt RTVM's EPT every 5-10 us while the RTVM's two vCPUs exit
    every 2-4 us (WRMSR of a real-time loop).  Most kicks land in the guest (NMI or INIT exit); some requests
    are made after acrn_handle_pending_request with the kick arriving before the VM entry (the race of
    a13909ced: only NMI-window exiting or a latched INIT then forces an exit; about one request in forty);
    the rest meet a natural exit first."""
    return _scenario("lapic-pt-kick", 50 + rounds * 5.0, [
        {"name": "sos", "service": True, "pcpus": [0], "work": [
            {"kind": "ept_update", "every_us": [5, 10], "args": ["rtvm"]}]},
        {"name": "rtvm", "lapic_pt": True, "pcpus": [1, 2], "work": [
            {"kind": "wrmsr", "every_us": [2, 4], "args": [0x6E0, 0]}]}], 3, seed=seed)


def smp_calls(rounds, seed):
    """The service VM's vCPU runs smp_call_function on the two pCPUs of a normal guest (a register dump,
    as the hypervisor shell does) every 30-60 us."""
    return _scenario("smp-call", 50 + rounds * 45.0, [
        {"name": "sos", "service": True, "pcpus": [0], "work": [
            {"kind": "smp_call", "every_us": [30, 60], "args": ["guest"]}]},
        {"name": "guest", "pcpus": [1, 2], "work": [{"kind": "cpuid", "every_us": [100, 200]}]}], 3, seed=seed)


def smp_calls_lapic_pt(rounds, seed):
    """As ``smp_calls``, to the two pCPUs of a lapic-pt RTVM: IPI 0xF0 goes to the guest there, so only a
    design that reaches lapic-pt pCPUs another way (a request bit + the vCPU's kick) completes the call."""
    return _scenario("smp-call-pt", 50 + rounds * 45.0, [
        {"name": "sos", "service": True, "pcpus": [0], "work": [
            {"kind": "smp_call", "every_us": [30, 60], "args": ["rtvm"]}]},
        {"name": "rtvm", "lapic_pt": True, "pcpus": [1, 2], "work": [
            {"kind": "wrmsr", "every_us": [100, 200], "args": [0x6E0, 0]}]}], 3, seed=seed)


SCENARIOS = {
    "cpuid": back_to_back("cpuid"),
    "ept": back_to_back("ept"),
    "extint": timer_ticks,
    "ipi-kick": normal_kicks,
    "lapic-pt-kick": lapic_pt_kicks,
    "smp-call": smp_calls,
    "smp-call-pt": smp_calls_lapic_pt,
}


# ---- the paths ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Path:
    name: str
    title: str  # what one round trip is
    scenario: Optional[str]  # key of SCENARIOS, None: not reachable
    kind: str = "exit"  # "exit": VM exit -> guest runs again; "kick": request made -> guest runs again
    reasons: Tuple[int, ...] = ()  # exit reasons that make a sample (kick: the exit that handled the request)
    vm: Optional[str] = None  # exit paths: only this VM's exits
    other_reasons: bool = False  # kick: any exit reason not claimed by another kick path of the scenario
    delivery_step: Optional[int] = None  # kick: the delivery step that belongs to the cost-model range
    relabel: Tuple[Tuple[str, str], ...] = ()  # breakdown labels to rename (a step that includes a wait)
    note: str = ""


PATHS = (
    Path("cpuid", "CPUID exit (trivial handler), back to back", "cpuid", reasons=(C.VMX_EXIT_REASON_CPUID,)),
    Path("ept", "EPT violation (MMIO emulation), back to back", "ept", reasons=(C.VMX_EXIT_REASON_EPT_VIOLATION,)),
    Path("extint", "external-interrupt exit (hypervisor timer tick)", "extint",
         reasons=(C.VMX_EXIT_REASON_EXTERNAL_INTERRUPT,)),
    Path("ipi-kick", "request for a running normal vCPU: IPI 0xF0 kick, external-interrupt exit", "ipi-kick",
         kind="kick", reasons=(C.VMX_EXIT_REASON_EXTERNAL_INTERRUPT,), delivery_step=S_IPI_DELIVERY),
    Path("nmi-kick", "request for a lapic-pt vCPU in the guest: NMI kick, NMI exit", "lapic-pt-kick", kind="kick",
         reasons=(C.VMX_EXIT_REASON_EXCEPTION_OR_NMI,), delivery_step=S_NMI_DELIVERY),
    Path("nmi-kick-window", "request made after acrn_handle_pending_request: NMI taken in root, NMI-window exit",
         "lapic-pt-kick", kind="kick", reasons=(C.VMX_EXIT_REASON_NMI_WINDOW,)),
    Path("init-kick", "request for a lapic-pt vCPU: INIT kick, INIT exit (latched in root until the entry)",
         "lapic-pt-kick", kind="kick", reasons=(C.VMX_EXIT_REASON_INIT_SIGNAL,), delivery_step=S_INIT_DELIVERY),
    Path("natural-exit", "request for a lapic-pt vCPU handled at a natural exit (the guest exited before the "
         "kick arrived, or the kick forced no exit)", "lapic-pt-kick", kind="kick", other_reasons=True),
    Path("smp-call", "smp_call_function from the service VM to 2 running normal vCPUs (VMCALL round trip)",
         "smp-call", reasons=(C.VMX_EXIT_REASON_VMCALL,), vm="sos",
         relabel=(("smp_call_func", "smp_call_func + waiting for the targets"),)),
    Path("smp-call-pt", "smp_call_function from the service VM to 2 running lapic-pt vCPUs (VMCALL round trip)",
         "smp-call-pt", reasons=(C.VMX_EXIT_REASON_VMCALL,), vm="sos",
         relabel=(("smp_call_func", "smp_call_func + waiting for the targets"),)),
    Path("irq-window", "interrupt-window exit", None,
         note="not reachable: the model's guests always run with RFLAGS.IF=1 and no STI shadow, and "
              "acrn_handle_pending_request injects their only vLAPIC vector at once, so nothing arms "
              "interrupt-window exiting"),
)
PATH_NAMES = tuple(p.name for p in PATHS)


# ---- instrumentation ----------------------------------------------------------------------------------
class _EntryCostChooser(Chooser):
    """The run's chooser, remembering the cost it drew for the latest VM entry (the one figure of a round
    trip that no later event shows: the guest starts running ``entry_cost`` after the entry step)."""

    entry_cost = 0

    def latency(self, lo, hi, what=0):
        value = Chooser.latency(self, lo, hi, what)
        if what == S_VMENTRY:
            self.entry_cost = value
        return value


class _Timeline:
    """``step_hook``: per pCPU, the (time, step id, drawn cost for VM entries) of every step."""

    def __init__(self, chooser):
        self.chooser = chooser
        self.times = defaultdict(list)
        self.steps = defaultdict(list)

    def __call__(self, cpu, step, t):
        self.times[cpu].append(t)
        self.steps[cpu].append((step, self.chooser.entry_cost if step == S_VMENTRY else 0))


@dataclass
class Sample:
    total: int  # cycles
    parts: List[Tuple[str, int]]  # (label, cycles) in order; sums to total
    steps: Tuple[int, ...]  # the cost-model steps taken, in order (for the range check)


@dataclass
class _Data:
    """One instrumented run of a scenario."""
    timeline: _Timeline
    events: list
    exits: int
    wall_ns: int
    kicks: Dict[str, int]
    entries: Dict[int, set] = field(default_factory=dict)  # cpu -> times of successful VM entries


def _run(scenario_data, design, registry, seed):
    """The scenario twice: plain and timed (ns per exit), then instrumented (the same simulated run)."""
    from acrn.host.run import Run
    from acrn.host.tracing import Recorder
    from acrn.scenarios import parse_scenario

    scenario = parse_scenario(scenario_data, "<microbench %s>" % scenario_data["name"], registry)
    plain = Run(scenario, design, seed=seed, registry=registry)
    t0 = time.perf_counter_ns()
    result = plain.execute()
    wall = time.perf_counter_ns() - t0
    chooser = _EntryCostChooser(seed)
    timeline = _Timeline(chooser)
    recorder = Recorder(with_steps=False)
    traced = Run(scenario, design, seed=seed, registry=registry, chooser=chooser, tracer=recorder,
                 step_hook=timeline).execute()
    if traced.counts["vm_exits"] != result.counts["vm_exits"]:
        raise RuntimeError("microbench: the instrumented run of %s differs from the plain one" % scenario.name)
    data = _Data(timeline, recorder.events, result.counts["vm_exits"], wall, dict(result.counts["kicks"]))
    for t, cpu, kind, _fields in recorder.events:
        if kind == "vmentry":
            data.entries.setdefault(cpu, set()).add(t)
    return data


def _round_from(data, cpu, start_index, start_time, first_part=None):
    """The steps on ``cpu`` from ``start_index`` up to the next successful VM entry, as a Sample whose
    time starts at ``start_time``; None when the run ended first."""
    times = data.timeline.times[cpu]
    steps = data.timeline.steps[cpu]
    entered = data.entries.get(cpu, ())
    parts = [first_part] if first_part is not None else []
    taken = []
    for i in range(start_index, len(times)):
        step, entry_cost = steps[i]
        if step == S_VMENTRY and times[i] in entered:
            parts.append((STEP_NAMES[step], entry_cost))
            taken.append(step)
            return Sample(times[i] + entry_cost - start_time, parts, tuple(taken))
        if i + 1 >= len(times):
            return None
        parts.append((STEP_NAMES[step], times[i + 1] - times[i]))
        taken.append(step)
    return None


def _step_index(data, cpu, t, step):
    """Index of the step ``step`` that starts at time ``t`` on ``cpu``."""
    times = data.timeline.times[cpu]
    i = bisect.bisect_left(times, t)
    while i < len(times) and times[i] == t:
        if data.timeline.steps[cpu][i][0] == step:
            return i
        i += 1
    return -1


def exit_samples(data, path):
    """Round trips of the exits with one of ``path.reasons``: VM exit -> the guest runs again.  Returns
    (samples, number of such exits whose guest had not run again when the run ended)."""
    out = []
    unfinished = 0
    for t, cpu, kind, fields in data.events:
        if kind != "vmexit" or fields[1] not in path.reasons:
            continue
        if path.vm is not None and not fields[0].startswith(path.vm + ":"):
            continue
        i = _step_index(data, cpu, t, S_VMEXIT)
        sample = _round_from(data, cpu, i, t) if i >= 0 else None
        if sample is not None:
            out.append(sample)
        else:
            unfinished += 1
    return out, unfinished


def kick_samples(data):
    """Each remote request (made on another pCPU for a running vCPU) that needed a VM exit, as
    (reason of the exit that handled it, Sample from "made" to the guest running again).  Requests
    handled in the very root pass during which they were made need no kick and are left out."""
    made = {}
    exit_times = defaultdict(list)  # cpu -> [time], in order
    exit_reasons = defaultdict(list)
    out = []
    for t, cpu, kind, fields in data.events:
        if kind == "vmexit":
            exit_times[cpu].append(t)
            exit_reasons[cpu].append(fields[1])
        elif kind == "request-made":
            made.setdefault(fields, []).append((t, cpu))
        elif kind == "request-handled":
            pending = made.get(fields)
            if not pending:
                continue
            t_made, src = pending.pop(0)
            if src == cpu:
                continue  # made on the target's own pCPU: no notification involved
            k = bisect.bisect_right(exit_times[cpu], t) - 1  # the target's last exit before the handling
            if k < 0 or exit_times[cpu][k] < t_made:
                continue
            t_exit, reason = exit_times[cpu][k], exit_reasons[cpu][k]
            i = _step_index(data, cpu, t_exit, S_VMEXIT)
            sample = _round_from(data, cpu, i, t_made, (DELIVERY, t_exit - t_made)) if i >= 0 else None
            if sample is not None:
                out.append((reason, sample))
    return out


# ---- results --------------------------------------------------------------------------------------------
@dataclass
class PathResult:
    path: str
    title: str
    design: str
    n: int
    mean: Optional[float]  # cycles per round trip
    median: Optional[float]
    lo: Optional[int]  # fastest / slowest sample
    hi: Optional[int]
    model_lo: Optional[int]  # cost-model range of the most common step sequence
    model_hi: Optional[int]
    breakdown: List[Tuple[str, float]]  # (label, mean cycles per round trip)
    ns_per_exit: Optional[float]
    note: str = ""
    samples: List[Sample] = field(default_factory=list, repr=False)

    def to_dict(self, tsc_mhz):
        return {"path": self.path, "title": self.title, "design": self.design, "n": self.n,
                "mean_cycles": self.mean, "median_cycles": self.median, "min_cycles": self.lo,
                "max_cycles": self.hi, "mean_us": None if self.mean is None else round(self.mean / tsc_mhz, 4),
                "cost_model_range": None if self.model_lo is None else [self.model_lo, self.model_hi],
                "breakdown": [{"step": k, "cycles": round(v, 1)} for k, v in self.breakdown],
                "wall_ns_per_exit": None if self.ns_per_exit is None else round(self.ns_per_exit, 1),
                "note": self.note}


def step_range(cost, steps):
    """(sum of lo, sum of hi) of the cost model over ``steps``."""
    return sum(cost.lo[s] for s in steps), sum(cost.hi[s] for s in steps)


def summarize(path, design, samples, data, cost, note=""):
    if not samples:
        return PathResult(path.name, path.title, design, 0, None, None, None, None, None, None, [],
                          None if data is None else data.wall_ns / max(1, data.exits), note)
    totals = [s.total for s in samples]
    labels, sums = [], defaultdict(int)
    renamed = dict(path.relabel)
    for s in samples:
        for label, cycles in s.parts:
            label = renamed.get(label, label)
            if label not in sums:
                labels.append(label)
            sums[label] += cycles
    model_lo = model_hi = None
    if path.kind == "exit" or path.delivery_step is not None:
        common = Counter(s.steps for s in samples).most_common(1)[0][0]
        model_lo, model_hi = step_range(cost, common + ((path.delivery_step,) if path.kind == "kick" else ()))
    return PathResult(path.name, path.title, design, len(samples), statistics.fmean(totals),
                      statistics.median(totals), min(totals), max(totals), model_lo, model_hi,
                      [(label, sums[label] / len(samples)) for label in labels],
                      data.wall_ns / max(1, data.exits), note, samples)


def _no_sample_note(path, data, unfinished=0):
    kicks = ", ".join("%s=%d" % kv for kv in sorted(data.kicks.items())) or "none"
    if path.kind == "kick":
        return "no request was handled through this exit (kicks sent: %s)" % kicks
    if unfinished:
        return "%d such exit(s), the guest never ran again before the end of the run" % unfinished
    return "no such exit in the run"


def microbench(design, registry=None, rounds=DEFAULT_ROUNDS, seed=DEFAULT_SEED, paths=None):
    """Run the selected paths (default: all) under ``design``; returns [PathResult] in PATHS order."""
    from acrn.errors import AcrnModelError
    from acrn.plugin import default_registry

    registry = registry or default_registry()
    if design not in registry.designs:
        raise AcrnModelError("unknown design %r (known: %s)" % (design, ", ".join(registry.designs)))
    if rounds < 1:
        raise AcrnModelError("--rounds: must be at least 1, got %d" % rounds)
    wanted = list(paths) if paths else list(PATH_NAMES)
    for name in wanted:
        if name not in PATH_NAMES:
            raise AcrnModelError("unknown path %r (known: %s)" % (name, ", ".join(PATH_NAMES)))
    selected = [p for p in PATHS if p.name in wanted]
    runs = {}
    for p in selected:
        if p.scenario is not None and p.scenario not in runs:
            runs[p.scenario] = _run(SCENARIOS[p.scenario](rounds, seed), design, registry, seed)
    cost = CostModel()
    results = []
    kick_cache = {}
    for p in selected:
        if p.scenario is None:
            results.append(summarize(p, design, [], None, cost, p.note))
            continue
        data = runs[p.scenario]
        unfinished = 0
        if p.kind == "exit":
            samples, unfinished = exit_samples(data, p)
        else:
            if p.scenario not in kick_cache:
                kick_cache[p.scenario] = kick_samples(data)
            claimed = {r for q in PATHS if q.scenario == p.scenario and q.kind == "kick" for r in q.reasons}
            samples = [s for reason, s in kick_cache[p.scenario]
                       if (reason not in claimed if p.other_reasons else reason in p.reasons)]
        results.append(summarize(p, design, samples, data, cost, "" if samples else
                                 _no_sample_note(p, data, unfinished)))
    return results


# ---- output ---------------------------------------------------------------------------------------------
def _num(value, fmt="%.0f"):
    return "-" if value is None else fmt % value


def to_json(results, vs_results=None, tsc_mhz=2100.0, rounds=DEFAULT_ROUNDS, seed=DEFAULT_SEED):
    out = {"rounds": rounds, "seed": seed, "tsc_mhz": tsc_mhz,
           "design": results[0].design if results else None,
           "paths": [r.to_dict(tsc_mhz) for r in results]}
    if vs_results is not None:
        out["vs"] = {"design": vs_results[0].design if vs_results else None,
                     "paths": [r.to_dict(tsc_mhz) for r in vs_results]}
        out["ratio"] = {a.path: (None if a.mean is None or b.mean is None else round(b.mean / a.mean, 4))
                        for a, b in zip(results, vs_results)}
    return out


def print_table(results, vs_results=None, console=None, tsc_mhz=2100.0):
    """The table (and the step breakdown below it), or two designs side by side with the ratio B/A."""
    from rich.console import Console
    from rich.table import Table

    con = console or Console(highlight=False, width=200)
    if vs_results is None:
        design = results[0].design if results else "?"
        table = Table(title="acrn-model microbench: design %s, modelled cycles per round trip (TSC %.0f MHz)"
                      % (design, tsc_mhz))
        for col, justify in (("path", "left"), ("n", "right"), ("mean", "right"), ("median", "right"),
                             ("min", "right"), ("max", "right"), ("mean us", "right"), ("cost model", "right"),
                             ("wall ns/exit", "right"), ("round trip", "left")):
            table.add_column(col, justify=justify)
        for r in results:
            table.add_row(r.path, str(r.n), _num(r.mean), _num(r.median), _num(r.lo), _num(r.hi),
                          _num(None if r.mean is None else r.mean / tsc_mhz, "%.2f"),
                          "-" if r.model_lo is None else "%d-%d" % (r.model_lo, r.model_hi),
                          _num(r.ns_per_exit), r.title if r.n else "%s [dim](%s)[/dim]" % (r.title, r.note))
        con.print(table)
        _print_breakdown(con, results)
        return
    a_name, b_name = results[0].design, vs_results[0].design
    table = Table(title="acrn-model microbench: %s vs %s, mean modelled cycles per round trip" % (a_name, b_name))
    for col in ("path", "n " + a_name, "n " + b_name, a_name, b_name, "%s/%s" % (b_name, a_name),
                "ns/exit " + a_name, "ns/exit " + b_name):
        table.add_column(col, justify="left" if col == "path" else "right")
    for a, b in zip(results, vs_results):
        ratio = "-" if a.mean is None or b.mean is None else "%.2f" % (b.mean / a.mean)
        table.add_row(a.path, str(a.n), str(b.n), _num(a.mean), _num(b.mean), ratio, _num(a.ns_per_exit),
                      _num(b.ns_per_exit))
    con.print(table)
    _print_breakdown(con, results)
    _print_breakdown(con, vs_results)


def _print_breakdown(con, results):
    if not results:
        return
    con.print("[bold]step breakdown, design %s[/bold] (mean cycles per round trip)" % results[0].design)
    for r in results:
        if r.n:
            con.print("  %-16s %s" % (r.path, " + ".join("%s %.0f" % (k, v) for k, v in r.breakdown)))
        else:
            con.print("  %-16s [dim]%s[/dim]" % (r.path, r.note))
