"""Systematic exploration of interleavings, with minimal, replayable counterexamples.

Every nondeterministic choice of a run is a latency drawn from a range (a step's cost, an interrupt's
delivery, the time until a guest's next activity), plus, in the explorer, where an interrupt lands among its
target's step boundaries (``Sim._defer``: after 0..MAX_DEFER of the target's next steps, within its delivery
latency).  The explorer replaces the run's chooser with one
that offers, at each choice, only the values that change the order of events: the range's minimum, the
offsets that land exactly on each event already queued inside the range (so the new event comes right
after it), and the maximum.  Values between two such boundaries order every queued event the same way,
so one representative stands for them all.  The default is the representative of the interval that
holds the range's midpoint, a function of the state alone (no random draw), so the runs are
deterministic and two runs that reach the same state continue identically.

Strategies:
- ``dfs``: all runs that deviate from the default in at most ``bound`` choices (a deviation bound, as
  CHESS bounds preemptions), by increasing number of deviations, depth-first by position; a choice whose
  state (a canonical hash of the engine, hypervisor and hardware state) was already expanded with as
  much budget left is not expanded again.
- ``random``: ``bound`` deviations at random positions and values per run (seeded).
- ``pct``: like random, with the positions spread over the whole run (PCT-style change points).

A counterexample is the deviation list ``pos=value`` (positions are choice indices); ``acrn-model
replay`` re-runs it exactly.  The shortest one (earliest violation) among those of the first
deviation level that has any is kept.
"""
import collections
import contextlib
import gc
import hashlib
import random
import time

import cython

from acrn.core.schedule import ThreadObject
from acrn.engine.chooser import Chooser
from acrn.engine.cost import STEP_NAMES
from acrn.engine.sim import K_CALL, MAX_DEFER
from acrn.errors import AcrnModelError

CHOICE_PREFIX = "x1"
DEFAULT_BOUND = 1
DEFAULT_HORIZON_US = 100.0

# the kinds of choice point, as the coverage report names them
ARRIVAL_WINDOW = "arrival window"  # after which of the target's next step boundaries an interrupt lands
TIMER = "guest/stimulus interval"  # the time until a guest activity, an NMI source or a scenario event


class ExploreChooser(Chooser):
    """Order-changing alternatives with a state-determined default; ``forced`` maps a choice position
    to the value to take there (a deviation)."""

    def __init__(self, forced=None, hash_after=None, hasher=None):
        super().__init__(seed=0)
        self.forced = dict(forced or {})
        self.hasher = hasher  # None: state_hash
        self.points = []  # per choice: (alternatives, chosen value, default value)
        self.kinds = []  # per choice: what it decides (a step name, ARRIVAL_WINDOW or TIMER), for coverage
        self.hashes = []  # per choice: canonical state hash, for positions after ``hash_after``
        self.hash_after = hash_after  # None: no hashing (a leaf of the search)
        self.sim = None

    def attach(self, sim):
        self.sim = sim
        sim.defer_arrivals = True  # arrivals become choice points too (after which step of the target)

    def alternatives(self, lo, hi):
        """The order-changing values of a latency in [lo, hi] (lo < hi), ascending: lo, the offsets of the
        queued events strictly inside the range (each once), hi."""
        inside = self.sim.queued_offsets(lo, hi)
        out = [lo]
        if len(inside) > 1:
            inside.sort()
        for v in inside:
            if v != out[len(out) - 1]:
                out.append(v)
        out.append(hi)
        return out

    def latency(self, lo, hi, what=0):
        if lo == hi:
            return lo
        alts = self.alternatives(lo, hi)
        mid = (lo + hi) // 2
        default = alts[0]
        for v in alts:
            if v <= mid:
                default = v
        pos = len(self.points)
        self.hashes.append(self._hash(pos))
        value = self.forced.get(pos, default) if self.forced else default
        if value != default and value not in alts:
            value = default  # the run diverged from the one the deviation was planned on
        self.points.append((alts, value, default))
        self.kinds.append(self.latency_kind(lo, hi, what))
        self._record(value)
        return value

    def _hash(self, pos):
        """The state hash at choice ``pos``: only where the search may branch next (after the last
        deviation) is the state hashed."""
        if self.hash_after is None or pos <= self.hash_after:
            return None
        return state_hash(self.sim) if self.hasher is None else self.hasher(self.sim)

    def latency_kind(self, lo, hi, what):
        """The cost-model step a latency choice draws (``what``), or TIMER: guest activities and NMI sources
        draw their intervals with ``what`` 0, told apart from the vmexit step by their range."""
        cost = self.sim.cost
        if 0 <= what < len(STEP_NAMES) and cost.lo[what] == lo and cost.hi[what] == hi:
            return STEP_NAMES[what]
        return TIMER

    def pick(self, n, what=0):
        """A choice among ``n`` alternatives (0 is the default): e.g. deliver an interrupt now (0) or after
        the target's current step (1)."""
        if n <= 1:
            return 0
        alts = list(range(n))
        pos = len(self.points)
        self.hashes.append(self._hash(pos))
        value = self.forced.get(pos, 0) if self.forced else 0
        if not 0 <= value < n:
            value = 0
        self.points.append((alts, value, 0))
        self.kinds.append(ARRIVAL_WINDOW)
        self._record(value)
        return value


# the state hash's arithmetic: 64-bit words, wrapping (C unsigned long long; interpreted: masked to 64 bits)
_M64 = 0xFFFFFFFFFFFFFFFF
_LIMB = 0x7FFFFFFFFFFFFFFF  # a big int's limb: 63 bits
_MIX = 0x9E3779B97F4A7C15  # a word step: (h ^ word) * _MIX, a bijection of h for each word (odd multiplier)
_FMIX1 = 0xFF51AFD7ED558CCD  # MurmurHash3's 64-bit finalizer, once per hash and per queued event
_FMIX2 = 0xC4CEB9FE1A85EC53
_NAMES = {}  # name (str) -> its word: the first 8 bytes of its blake2b digest (the same in every process)


def _mix(h, w):
    """``h`` after the word ``w`` (a signed or unsigned 64-bit value)."""
    return ((h ^ (w & _M64)) * _MIX) & _M64


def _fmix(h):
    """MurmurHash3's fmix64: every bit of ``h`` affects every bit of the result."""
    h ^= h >> 33
    h = (h * _FMIX1) & _M64
    h ^= h >> 33
    h = (h * _FMIX2) & _M64
    return h ^ (h >> 33)


def _mix_int(h, x):
    """``h`` after a Python int of any size (the LAPIC's 256-bit IRR/ISR, bitmaps): its count of 63-bit
    limbs (each fits a C long long), then the limbs, least significant first (so that the words of
    consecutive fields cannot run into each other); a negative one after a -1 (a count is never negative)."""
    if x == 0:
        return _mix(h, 0)
    if 0 < x <= 0x7FFFFFFFFFFFFFFF:
        return _mix(_mix(h, 1), x)
    if x < 0:
        h = _mix(h, -1)
        x = -x
    h = _mix(h, (x.bit_length() + 62) // 63)
    while x:
        h = _mix(h, x & _LIMB)
        x >>= 63
    return h


def _mix_name(h, x):
    """``h`` after a name: None, a str (its digest) or an int; another type raises ValueError (an object's
    identity differs between processes)."""
    if x is None:
        return _mix(h, 0)
    if type(x) is str:
        w = _NAMES.get(x)
        if w is None:
            w = _NAMES[x] = int.from_bytes(hashlib.blake2b(x.encode("utf-8"), digest_size=8).digest(), "little",
                                           signed=True)
        return _mix(_mix(h, 1), w)
    if type(x) is int:
        return _mix_int(_mix(h, 2), x)
    raise ValueError("state hash: a name of type %s" % type(x).__name__)


def _thread_name(t):
    """The name of a thread object (a ThreadObject's read in C), None for no thread."""
    if isinstance(t, ThreadObject):
        return cython.cast(ThreadObject, t).name
    return getattr(t, "name", None)


def _event_word(dt, kind, cpu, a, b, c):
    """One queued event's word (its time relative to now; a callback's ``a`` left out: it is an index into
    the run's own table), summed over the queue: the heap's order depends on the history, not on the state."""
    h = _mix(_mix(_mix(_mix(0, dt), kind), cpu), -1 if kind == K_CALL else a)
    return _fmix(_mix(_mix(h, b), c))


def state_hash(sim):
    """A canonical 64-bit hash (an int of 0..2**64-1) of everything that decides the rest of a run: exactly
    what :func:`state_key` lists, read from the objects' C fields, with 64-bit word arithmetic, the same
    values compiled and interpreted and in every process (names by their blake2b digest), so a search
    split over worker processes compares them.  Equal keys give equal hashes; different ones collide with
    a probability of about 2**-64.  The queued events and the open requests are multisets: each hashed
    alone, and their hashes summed."""
    now = sim.now
    # the queued events
    acc = 0
    if cython.compiled:
        n = sim._n
        for i in range(n):
            ev = sim._events + sim._heap[i].slot
            acc = (acc + _event_word(ev.time - now, ev.kind, ev.cpu, ev.a, ev.b, ev.c)) & _M64
    else:
        n = len(sim._pyheap)
        for _, _, e in sim._pyheap:
            acc = (acc + _event_word(e.time - now, e.kind, e.cpu, e.a, e.b, e.c)) & _M64
    h = _mix(_mix(0, n), acc)
    for ctx in sim.ctx:
        hw = ctx.hw
        lapic = hw.lapic
        h = _mix(_mix(h, ctx.state), ctx.last_step)
        h = _mix_name(h, _thread_name(ctx.thread))
        h = _mix(_mix(_mix(_mix(_mix(_mix(h, hw.nonroot), hw.host_if), hw.nmi_blocked), hw.nmi_latched),
                      hw.init_latched), hw.activity)
        h = _mix_int(_mix_int(h, lapic.irr), lapic.isr)
        vmcs = hw.vmcs
        if vmcs is None:
            h = _mix(h, 0)
        else:
            h = _mix_name(_mix(h, 1), vmcs.owner)
            h = _mix(_mix(_mix(_mix(_mix(h, vmcs.pin_ctls), vmcs.proc_ctls), vmcs.entry_int_info),
                          vmcs.guest_interruptibility), vmcs.guest_rflags)
    hv = sim.hv
    for pc in hv.per_cpu:
        sched = pc.sched_ctl
        h = _mix_name(_mix(_mix(h, sched.flags), pc.pcpu_flag), _thread_name(sched.curr_obj))
    for vm in hv.vms:
        h = _mix(h, vm.state)
        for v in vm.vcpus:
            arch = v.arch
            h = _mix(_mix(_mix(_mix(h, v.state), v.running), arch.pending_req), arch.inst_len)
            h = _mix(_mix_int(_mix_int(h, v.vlapic_pending), v.vlapic_isr), v.thread_obj.status)
            g = v.guest
            if g is None:
                h = _mix(h, 0)
            else:
                h = _mix(_mix(h, 1), g.iret_due - now if g.iret_due >= 0 else -1)
                h = _mix(h, len(g.items))
                for item in g.items:
                    h = _mix(h, item.next_due - now if item.next_due >= 0 else -1)
                h = _mix(h, len(g.queue))
                for q in g.queue:
                    h = _mix_name(_mix(h, q[0] - now), q[1])
    h = _mix_int(_mix_int(h, hv.smp_call_mask), hv.pcpu_active_bitmap)
    obs = sim.obs
    acc = 0
    for key, req in obs._open.items():
        acc = (acc + _fmix(_mix(_mix_name(_mix(0, key[1]), key[0]), now - req[0]))) & _M64
    return _fmix(_mix(_mix(h, len(obs._open)), acc))


def state_key(sim):
    """Everything that decides the rest of a run, as a tuple of ints, strings, bools and None, with times
    relative to now.  Thread code positions are approximated by (thread, last step).  The readable
    definition of a state: :func:`state_hash` hashes the same fields (a test checks that both tell the same
    states apart)."""
    now = sim.now
    parts = [tuple(sorted((ev[0] - now, ev[2], ev[3], ev[4] if type(ev[4]) is int else -1, ev[5], ev[6])
                          for ev in sim.queued()))]
    for ctx in sim.ctx:
        hw = ctx.hw
        vmcs = hw.vmcs
        parts.append((ctx.state, ctx.last_step, getattr(ctx.thread, "name", None), hw.nonroot, hw.host_if,
                      hw.nmi_blocked, hw.nmi_latched, hw.init_latched, hw.activity, hw.lapic.irr, hw.lapic.isr,
                      None if vmcs is None else (vmcs.owner, vmcs.pin_ctls, vmcs.proc_ctls, vmcs.entry_int_info,
                                                 vmcs.guest_interruptibility, vmcs.guest_rflags)))
    hv = sim.hv
    for pc in hv.per_cpu:
        parts.append((pc.sched_ctl.flags, pc.pcpu_flag, getattr(pc.sched_ctl.curr_obj, "name", None)))
    for vm in hv.vms:
        parts.append((vm.state,))
        for v in vm.vcpus:
            g = v.guest
            guest = None if g is None else (g.iret_due - now if g.iret_due >= 0 else -1,
                                            tuple(i.next_due - now if i.next_due >= 0 else -1 for i in g.items),
                                            tuple((q[0] - now, q[1]) for q in g.queue))
            parts.append((v.state, v.running, v.arch.pending_req, v.arch.inst_len, v.vlapic_pending, v.vlapic_isr,
                          v.thread_obj.status, guest))
    parts.append((hv.smp_call_mask, hv.pcpu_active_bitmap,
                  tuple(sorted((s.vcpu, s.bit, now - s.made) for s in sim.obs.open_requests()))))
    return tuple(parts)


def encode_choices(deviations):
    """``x1:pos=value,pos=value`` (sorted by position)."""
    return CHOICE_PREFIX + ":" + ",".join("%d=%d" % (p, v) for p, v in sorted(deviations.items()))


def decode_choices(text):
    """Parse a choice string; a malformed one raises AcrnModelError naming the problem."""
    if not isinstance(text, str) or not text.startswith(CHOICE_PREFIX + ":"):
        raise AcrnModelError("choice string %r: must start with %r" % (text, CHOICE_PREFIX + ":"))
    body = text[len(CHOICE_PREFIX) + 1:]
    out = {}
    for item in filter(None, body.split(",")):
        pos, sep, value = item.partition("=")
        if not sep or not pos.isdigit() or not value.lstrip("-").isdigit():
            raise AcrnModelError("choice string: %r is not position=value" % item)
        out[int(pos)] = int(value)
    return out


class Counterexample:
    """A violation the search found: ``deviations`` ({choice position: value}) and its string form
    ``choices`` (what ``acrn-model replay --choices`` takes), the run's ``result`` (RunResult), the first
    ``violation`` and its ``invariant`` name, and ``runs_before``: the runs explored until it was found."""

    def __init__(self, deviations, result, violation, invariant, runs_before):
        self.deviations = dict(deviations)
        self.choices = encode_choices(deviations)
        self.result = result
        self.violation = violation
        self.invariant = invariant
        self.runs_before = runs_before


class Coverage:
    """What the search's choice points covered, per kind of choice (a cost-model step's latency,
    ARRIVAL_WINDOW, TIMER): ``points`` counts the branching choice points (two or more order-changing
    values) of the runs the search could branch from (fewer deviations than the bound), beyond each run's
    replayed prefix; ``deviated`` counts those of them at which it tried the other values (the rest
    lie after a state already expanded with as much budget, or after the cap stopped the search);
    ``skips`` are the arrival-window values tried (how many of the target's step boundaries an interrupt
    was let through before it landed, out of 0..MAX_DEFER)."""

    def __init__(self):
        self.points = {}
        self.deviated = {}
        self.skips = set()
        self._runs = set()  # the runs whose choice points were counted (dfs re-runs the default at level 1)
        self._branched = set()  # (deviations before the last one, position of the last one)

    def account(self, summary, deviations, expandable):
        """Count one run (its :class:`RunSummary`) with its ``deviations``; ``expandable``: the search could
        branch from it."""
        key = frozenset(deviations.items())
        if expandable and key not in self._runs:
            self._runs.add(key)
            for kind, n in summary.branching:
                self.points[kind] = self.points.get(kind, 0) + n
        kind = summary.kind_last
        if kind is not None:
            last = max(deviations)
            branch = (frozenset((p, v) for p, v in deviations.items() if p != last), last)
            if branch not in self._branched:
                self._branched.add(branch)
                self.deviated[kind] = self.deviated.get(kind, 0) + 1
            if kind == ARRIVAL_WINDOW:
                self.skips.add(deviations[last])

    def to_dict(self):
        kinds = sorted(set(self.points) | set(self.deviated))
        return {"kinds": [{"kind": k, "points": self.points.get(k, 0), "deviated": self.deviated.get(k, 0)}
                          for k in kinds],
                "arrival_skips_tried": sorted(self.skips), "max_defer": MAX_DEFER}


class RunSummary:
    """What a search keeps of one run: its engine ``steps``, its number of choice ``points``, the kind of
    choice its last deviation changed (``kind_last``, None without deviations), ``branching``: ((kind, n),
    ...) the branching choice points after its last deviation, and ``hit``: (invariant name, violation,
    RunResult) of its first violation, or None.  Small, so a worker process sends it back instead of the run."""

    def __init__(self, steps, points, kind_last, branching, hit):
        self.steps, self.points, self.kind_last, self.branching, self.hit = steps, points, kind_last, branching, hit

    def __reduce__(self):
        return (RunSummary, (self.steps, self.points, self.kind_last, self.branching, self.hit))


class Ledger:
    """The accounting of a search's runs, in the order of the serial search, and when it stops.

    ``run(deviations, summary)`` counts a run (into the :class:`ExploreResult` ``out``: runs, steps, states,
    depth, coverage, the violations found); a run whose summary is not known yet (None: it is being made
    elsewhere) holds back the runs after it until ``entry[0]`` is set and :meth:`settle` is called.
    ``prune()`` counts a state not expanded again.  ``level(n)`` marks where DFS level ``n`` begins: reached
    in the count, it ends the search if a level before found a violation (so a search may walk the next
    level before the runs of this one are counted), else it sets ``out.level``.  ``stopped`` turns True
    after the run that reaches ``max_states`` states or ``max_runs`` runs (the search is then incomplete),
    or, with ``stop_on_found``, the first run with a violation, or at a level mark after one; nothing after
    it counts."""

    PRUNE = None

    def __init__(self, out, strategy, bound, max_states, max_runs, stop_on_found, progress, start):
        self.out, self.strategy, self.bound = out, strategy, bound
        self.max_states, self.max_runs, self.stop_on_found = max_states, max_runs, stop_on_found
        self.progress, self.start = progress, start
        self.found = []  # (violation time, deviations, result, name, violation, runs)
        self.stopped = False
        self.queue = collections.deque()  # [summary or None, deviations], PRUNE or a level (int), not counted yet

    def run(self, deviations, summary=None):
        entry = [summary, deviations]
        self.queue.append(entry)
        self.settle()
        return entry

    def prune(self):
        self.queue.append(self.PRUNE)
        self.settle()

    def level(self, n):
        self.queue.append(n)
        self.settle()

    def settle(self):
        while self.queue and not self.stopped:
            entry = self.queue[0]
            if entry is self.PRUNE:
                self.out.pruned += 1
            elif type(entry) is int:
                if self.found:
                    self.stopped = True  # the first level with a violation ends the search
                    break
                self.out.level = entry
            elif entry[0] is None:
                return
            else:
                self._account(entry[0], entry[1])
            self.queue.popleft()
        self.queue.clear()

    def _account(self, summary, deviations):
        out = self.out
        out.runs += 1
        out.steps += summary.steps
        # new states: the choice points after this run's last deviation (the prefix replays a known run)
        last = max(deviations) if deviations else -1
        out.states += summary.points - last - 1
        out.depth = max(out.depth, summary.points)
        out.coverage.account(summary, deviations, len(deviations) < self.bound if self.strategy == "dfs"
                             else not deviations)
        out.frontier = min(deviations) if deviations else -1
        if not deviations:
            out.default_points = summary.points
        if summary.hit is not None:
            name, violation, result = summary.hit
            if out.time_to_first is None:
                out.time_to_first = time.perf_counter() - self.start
            self.found.append((violation.time, dict(deviations), result, name, violation, out.runs))
        if self.progress is not None:
            self.progress(out, len(self.found))
        if self.stop_on_found and self.found:
            self.stopped = True
        elif out.states >= self.max_states or out.runs >= self.max_runs:
            out.complete = False
            self.stopped = True


@contextlib.contextmanager
def runs_back_to_back():
    """Runs made one after the other, each followed by :func:`collect_run_garbage`: Python's automatic
    garbage collection is off meanwhile (and on again after, if it was).  A run's objects refer to each
    other (about 600 of them are cyclic garbage after a run of kick-race), so the collector must free them;
    left automatic, it scans a run's live objects several times while they age through its generations
    and scans the whole process now and then (long in a Dask worker), so a search makes 1.3-1.5 times
    fewer runs a second."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def collect_run_garbage():
    """Free the cyclic garbage of the run just made, all of it still in the collector's youngest generation
    (and its memory still in the cache for the next run)."""
    gc.collect(0)


class SerialRuns:
    """How a search gets its runs in one process: each made when asked for, and counted at once."""

    def __init__(self, explorer):
        self.explorer = explorer

    def interior(self, deviations, hash_after, ledger):
        """A run the search branches from: (its choice points, its state hashes after ``hash_after``, its
        RunSummary); ``ledger`` counts the runs asked for before it."""
        return self.explorer.search_run(deviations, hash_after)

    def leaf(self, deviations, ledger):
        """A run the search does not branch from at this level: made and counted in ``ledger``."""
        ledger.run(deviations, self.explorer.search_run(deviations)[2])

    def flush(self, ledger):
        """Count every run asked for so far (here: done already)."""


class ExploreResult:
    """The outcome of :meth:`Explorer.explore`.

    ``complete`` is True only when the search covered its whole bound (every run with at most ``bound``
    deviations, up to state pruning); a search stopped by ``max_states``/``max_runs`` is incomplete, and
    ``level``/``frontier``/``default_points`` say how far it got: the deviation level it was exploring and
    the position of the first deviation at that level, out of the default run's choice points.  ``runs``,
    ``states`` (choice points beyond each run's replayed prefix), ``steps``, ``pruned`` (states not
    expanded again), ``depth`` (the most choice points in one run), ``elapsed`` and ``time_to_first``
    (seconds) measure the search; ``coverage`` (:class:`Coverage`) says what its choice points covered;
    ``counterexample`` is the earliest violation of the first deviation level that has any, or None."""

    def __init__(self, scenario, design, strategy, bound, horizon_us):
        self.scenario, self.design, self.strategy, self.bound, self.horizon_us = scenario, design, strategy, bound, horizon_us
        self.runs = 0
        self.steps = 0
        self.states = 0  # choice-point states explored beyond each run's replayed prefix
        self.pruned = 0
        self.elapsed = 0.0
        self.time_to_first = None
        self.counterexample = None
        self.complete = True  # False when max_states/max_runs stopped the search early
        self.depth = 0
        self.level = 0  # the deviation level a dfs was exploring last (random, pct: the bound)
        self.frontier = -1  # first deviation position of the last run
        self.default_points = 0  # choice points of the default run (no deviation)
        self.coverage = Coverage()

    def to_dict(self):
        """The result as JSON-ready data (the shape ``schemas/explore.json`` describes)."""
        out = {k: getattr(self, k) for k in ("scenario", "design", "strategy", "bound", "horizon_us", "runs", "steps",
                                              "states", "pruned", "elapsed", "time_to_first", "complete", "depth",
                                              "level", "frontier", "default_points")}
        out["states_per_s"] = round(self.states / self.elapsed) if self.elapsed else None
        out["coverage"] = self.coverage.to_dict()
        cx = self.counterexample
        out["violation"] = None if cx is None else {
            "invariant": cx.invariant, "time_us": round(cx.violation.time / cx.result.tsc_mhz, 3),
            "pcpu": cx.violation.pcpu, "message": cx.violation.message, "choices": cx.choices}
        return out


class Explorer:
    """Explores one ``scenario`` (a loaded Scenario) under one ``design`` (a name) over its first
    ``horizon_us`` (default: min(100 us, the scenario's duration)); ``invariants`` limits the oracles
    (default: all).  ``run_once(deviations)`` is the unit of work."""

    def __init__(self, scenario, design, registry=None, horizon_us=None, invariants=None, hasher=None):
        from acrn.plugin import default_registry

        self.registry = registry or default_registry()
        self.scenario = scenario
        self.design = design
        self.horizon_us = horizon_us if horizon_us is not None else min(DEFAULT_HORIZON_US, scenario.duration_us)
        self.invariants = invariants  # None: all
        self.hasher = hasher  # None: state_hash

    def run_once(self, deviations, hash_after=None, tracer=None, step_hook=None):
        from acrn.host.run import Run

        chooser = ExploreChooser(deviations, hash_after=hash_after, hasher=self.hasher)
        run = Run(self.scenario, self.design, chooser=chooser, registry=self.registry, horizon_us=self.horizon_us,
                  tracer=tracer, step_hook=step_hook)
        result = run.execute()
        return run, result, chooser

    def search_run(self, deviations, hash_after=None):
        """One run of a search: (its choice points, its state hashes after ``hash_after``, its
        :class:`RunSummary`); nothing else of it is kept, and its garbage is collected at once."""
        run, result, chooser = self.run_once(deviations, hash_after=hash_after)
        points, hashes = chooser.points, chooser.hashes
        summary = self.summarize(result, chooser, deviations)
        del run, result, chooser
        collect_run_garbage()
        return points, hashes, summary

    def first_violation(self, result):
        best = None
        for v in result.verdicts:
            if v.first is None or (self.invariants and v.name not in self.invariants):
                continue
            if best is None or v.first.time < best[1].time:
                best = (v.name, v.first)
        return best

    def explore(self, strategy="dfs", bound=DEFAULT_BOUND, max_states=200000, max_runs=20000, seed=0, progress=None,
                stop_at_first=False, runs=None):
        """Search the runs that deviate from the default in at most ``bound`` choices and return an
        :class:`ExploreResult`.

        ``strategy``: ``dfs`` (systematic; complete unless a cap stops it), ``random`` or ``pct`` (sampled,
        seeded by ``seed``; they end complete only when the default run has no choice).  The search stops
        at ``max_states`` states or ``max_runs`` runs (then ``complete`` is False).  ``progress(result,
        n_found)`` is called after every run; ``stop_at_first`` ends a dfs level at its first violation.
        ``runs`` makes the runs (default: :class:`SerialRuns`; ``acrn.sweep.ParallelRuns`` on Dask workers).
        A bad strategy or a negative bound raises AcrnModelError."""
        if strategy not in ("dfs", "random", "pct"):
            raise AcrnModelError("--strategy: %r is not one of dfs, random, pct" % (strategy,))
        if bound < 0:
            raise AcrnModelError("--bound must be >= 0, got %d" % bound)
        out = ExploreResult(self.scenario.name, getattr(self.design, "name", self.design), strategy, bound,
                            self.horizon_us)
        start = time.perf_counter()
        runs = runs or SerialRuns(self)
        ledger = Ledger(out, strategy, bound, max_states, max_runs, stop_at_first or strategy != "dfs", progress,
                        start)
        with runs_back_to_back():
            if strategy == "dfs":
                expanded = {}  # state hash -> the largest deviation budget expanded from it
                for level in range(bound + 1):
                    ledger.level(level)
                    if ledger.stopped:
                        break
                    self._dfs_level(level, runs, ledger, expanded)
                runs.flush(ledger)
            else:
                out.level = bound
                rng = random.Random(seed)
                points, _, summary = runs.interior({}, None, ledger)
                ledger.run({}, summary)
                branching = [i for i, p in enumerate(points) if len(p[0]) > 1]
                while not ledger.stopped and branching:
                    runs.leaf(random_deviations(rng, points, branching, strategy, bound), ledger)
                runs.flush(ledger)
        out.elapsed = time.perf_counter() - start
        found = ledger.found
        if found:
            found.sort(key=lambda f: (f[0], len(f[1]), sorted(f[1].items())))
            t, deviations, result, name, violation, n_runs = found[0]
            out.counterexample = Counterexample(deviations, result, violation, name, n_runs)
        return out

    def summarize(self, result, chooser, deviations):
        """The :class:`RunSummary` of one run."""
        last = max(deviations) if deviations else -1
        points, kinds = chooser.points, chooser.kinds
        branching = {}
        for pos in range(last + 1, len(points)):
            if len(points[pos][0]) > 1:
                branching[kinds[pos]] = branching.get(kinds[pos], 0) + 1
        hit = self.first_violation(result)
        return RunSummary(result.counts["steps"], len(points), kinds[last] if deviations and last < len(kinds) else None,
                          tuple(branching.items()), None if hit is None else (hit[0], hit[1], result))

    def _dfs_level(self, level, runs, ledger, expanded):
        """All runs with exactly ``level`` deviations, depth-first by position.  The runs with budget left
        (``runs.interior``) decide where the search branches and prunes; the others (``runs.leaf``) only
        count, so they may be made elsewhere and counted later, in this order (``ledger``)."""

        def visit(deviations, last_pos, budget):
            points, hashes, summary = runs.interior(deviations, last_pos, ledger)
            ledger.run(deviations, summary)
            if ledger.stopped:
                return
            for pos in range(last_pos + 1, len(points)):
                alts, value, default = points[pos]
                if len(alts) < 2:
                    continue
                h = hashes[pos]
                if expanded.get(h, -1) >= budget:
                    ledger.prune()
                    break  # this state's continuations were explored with as much budget
                expanded[h] = budget
                for alt in alts:
                    if alt == value:
                        continue
                    child = dict(deviations)
                    child[pos] = alt
                    if budget - 1 == 0:
                        runs.leaf(child, ledger)
                    else:
                        visit(child, pos, budget - 1)
                    if ledger.stopped:
                        return

        if level == 0:
            runs.leaf({}, ledger)
        else:
            visit({}, -1, level)


def random_deviations(rng, points, branching, strategy, bound):
    """The next run of the random and pct strategies: ``bound`` deviations drawn from ``rng`` among the base
    run's choice ``points`` (``branching``: the positions with alternatives)."""
    k = min(bound, len(branching))
    if strategy == "pct":
        # change points spread over the run: one per equal slice
        cut = max(1, len(branching) // max(1, k))
        positions = [branching[min(len(branching) - 1, j * cut + rng.randrange(cut))] for j in range(k)]
    else:
        positions = rng.sample(branching, k)
    deviations = {}
    for pos in sorted(set(positions)):
        alts = points[pos][0]
        deviations[pos] = alts[rng.randrange(len(alts))]
    return deviations


def replay(scenario, design, choices, registry=None, horizon_us=None, tracer=None, step_hook=None):
    """Re-run a counterexample exactly from its choice string."""
    explorer = Explorer(scenario, design, registry=registry, horizon_us=horizon_us)
    run, result, chooser = explorer.run_once(decode_choices(choices), tracer=tracer, step_hook=step_hook)
    return run, result
