"""Chrome trace-event JSON of a capture, for Perfetto (ui.perfetto.dev) or chrome://tracing, streamed.

One process, one track (thread) per pCPU.  On each track: a slice per VM exit (TRACE_VM_EXIT ->
TRACE_VM_ENTER) named by its SDM exit reason, a slice per stay in the guest (TRACE_VM_ENTER ->
TRACE_VM_EXIT) named by the vCPU running (VCPU_RUN / TRACE_SCHED_NEXT); each KICK_SENT is an arrow (flow)
from the sender to the target's next VM exit (or to the target at the kick when it was not in the guest);
requests and the other model events are instant events.  Times are microseconds since the capture's
first TSC.

In captures with VCPU_RUN records (acrn-model's), one more process per VM with a track per vCPU: slices
"non-root" (VM entry to VM exit), "root" (switched in, or a VM exit, to the next VM entry: the pCPU runs the
vCPU's thread in VMX root), "blocked" (switched out blocked: HLT, paused, offline; VCPU_BLOCKED) and "not
running" (switched out runnable: another thread's turn), each until the next switch-in, and the INVARIANT_VIOLATION records that name the vCPU.  Real captures
have no vCPU tracks: their TRACE_SCHED_NEXT names a VM, not a vCPU.  The per-vCPU state carried from
chunk to chunk is one open state per vCPU.

Streaming: pass 1 reads each pCPU file in chunks and keeps only what the cut and the kicks need (the
TSCs of the slices' starts, of VM exits and entries, and the sparse model records); pass 2 reads the files
again and writes the slices chunk by chunk: numpy chooses them, the compiled loops of
:mod:`acrn.trace.rows` format them into one reused buffer (no Python object per event).  Events are written
per track in time order, not merged across tracks (trace viewers sort).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from acrn.trace import events as ev
from acrn.trace import format as fmt
from acrn.trace import reference
from acrn.trace import rows
from acrn.trace import tables as t

PID = 1
_U64 = (1 << 64) - 1
# Times are written as microseconds with three decimals, from integer nanoseconds: a slice's duration is
# its rounded end minus its rounded start, so consecutive slices on a track never overlap.
_INSTANT = '{"ph":"i","s":"%s","pid":%d,"tid":%d,"ts":%s,"name":"%s","cat":"%s"}'
_FLOW_START = '{"ph":"s","id":%d,"pid":%d,"tid":%d,"ts":%s,"name":"%s","cat":"kick"}'
_FLOW_END = '{"ph":"f","bp":"e","id":%d,"pid":%d,"tid":%d,"ts":%s,"name":"%s","cat":"kick"}'


@dataclass
class TimelineSummary:
    events: int = 0
    slices: int = 0
    flows: int = 0
    instants: int = 0
    vcpu_tracks: int = 0
    warnings: list = field(default_factory=list)


def _vm_label(vm: int, names: dict) -> str:
    """A VM as the scenario names it (VM_NAME records), else ``vm<id>``."""
    return names[vm] if vm in names else "vm%d" % vm


def _ctx_name(ctx: int, names: dict) -> str:
    if ctx == t.CTX_IDLE:
        return "idle"
    if ctx == t.CTX_UNKNOWN:
        return "guest"
    vm, vcpu = t.ctx_vm_vcpu(ctx)
    return "%s:vcpu%s" % (_vm_label(vm, names), "?" if vcpu is None else vcpu)


def _instant_name(event_id: int, e: int, f: int, names: dict) -> str:
    a, b, cc, d = ev.unpack_4i(e & 0xFFFFFFFFFFFFFFFF, f & 0xFFFFFFFFFFFFFFFF)
    if event_id in (ev.REQUEST_MADE, ev.REQUEST_HANDLED):
        what = "made" if event_id == ev.REQUEST_MADE else "handled"
        return "request %s %s:vcpu%d %s" % (what, _vm_label(a, names), b, ev.request_name(cc))
    if event_id == ev.NMI_LATCHED:
        return "NMI latched (source %d)" % b
    if event_id == ev.NMI_WINDOW_ARMED:
        return "NMI window armed %s:vcpu%d" % (_vm_label(a, names), b)
    if event_id == ev.GUEST_INTERRUPT:
        vec = "NMI" if cc == ev.GUEST_NMI_VECTOR else "vector 0x%x" % cc
        return "guest %s %s:vcpu%d%s" % (vec, _vm_label(a, names), b, " (spurious)" if d else "")
    if event_id == ev.INVARIANT_VIOLATION:
        who = "" if b == 0xFFFFFFFF else " %s:vcpu%d" % (_vm_label(b, names), cc)
        return "INVARIANT VIOLATION %s%s" % (ev.INVARIANT_NAMES.get(a, "code %d" % a), who)
    return ev.event_name(event_id)


_INSTANT_IDS = (ev.REQUEST_MADE, ev.REQUEST_HANDLED, ev.NMI_LATCHED, ev.NMI_WINDOW_ARMED, ev.GUEST_INTERRUPT,
                ev.INVARIANT_VIOLATION)


@dataclass
class _Pass1:
    """What pass 1 keeps of one pCPU file."""

    cpu: int
    starts: np.ndarray  # TSC of every slice's start
    exits: np.ndarray  # sorted VM_EXIT TSCs (kick targets)
    enters: np.ndarray  # sorted VM_ENTER TSCs
    instants: np.ndarray  # (n, 4) records of the instant events
    kicks: np.ndarray  # (n, 4) KICK_SENT records
    unpaired: int  # VM exits followed by another VM exit
    vstarts: np.ndarray  # TSC of every vCPU slice's start
    vcpus: np.ndarray  # the vCPUs this file shows running (contexts)


class _Carry:
    """The last VM_EXIT/VM_ENTER record and the current context, carried from chunk to chunk."""

    def __init__(self):
        self.row = None  # (tsc, is_exit, reason, rip, ctx) of the last VM_EXIT/VM_ENTER
        self.ctx = t.CTX_UNKNOWN


def _slices(w: np.ndarray, carry: _Carry) -> tuple:
    """The slices that end in chunk ``w``: (start, end, is_exit, reason, rip, ctx) arrays, and the number of
    VM exits followed by another VM exit.  A slice is a VM_EXIT/VM_ENTER record and the next one of the
    other kind, when time does not go backwards between them; a guest slice is named by the context
    current at its VM_ENTER."""
    ids = w[:, fmt.COL_ID] & fmt.ID_MASK
    is_x = ids == ev.TRACE_VM_EXIT
    pos = np.flatnonzero(is_x | (ids == ev.TRACE_VM_ENTER))
    ctx_pos = np.flatnonzero((ids == ev.VCPU_RUN) | (ids == ev.TRACE_SCHED_NEXT))
    ctx_e = w[ctx_pos, fmt.COL_E]
    ctx_val = np.where(ids[ctx_pos] == ev.VCPU_RUN, reference.vcpu_ctx(ctx_e), reference.sched_ctx(ctx_e))
    ctx = reference.last_before(ctx_pos, ctx_val, pos, carry.ctx)
    if len(ctx_val):
        carry.ctx = int(ctx_val[-1])
    ts = w[pos, fmt.COL_TSC]
    kx = is_x[pos]
    reason = w[pos, fmt.COL_E] & t.REASON_MASK
    rip = w[pos, fmt.COL_F]
    if carry.row is not None:
        c_ts, c_kx, c_reason, c_rip, c_ctx = carry.row
        ts, kx = np.concatenate([[c_ts], ts]), np.concatenate([[c_kx], kx])
        reason, rip = np.concatenate([[c_reason], reason]), np.concatenate([[c_rip], rip])
        ctx = np.concatenate([[c_ctx], ctx])
    if len(ts):
        carry.row = (ts[-1], kx[-1], reason[-1], rip[-1], ctx[-1])
    if len(ts) < 2:
        empty = np.zeros(0, np.int64)
        return (empty, empty, np.zeros(0, np.bool_), empty, empty, empty), 0
    ok = ts[1:] >= ts[:-1]
    edge = kx[:-1] != kx[1:]
    j = np.flatnonzero(ok & edge)
    unpaired = int(np.count_nonzero(kx[:-1] & kx[1:]))
    return (ts[j], ts[j + 1], kx[j], reason[j], rip[j], ctx[j]), unpaired


class _Pass1Reader:
    """Pass 1 over one pCPU file, a chunk at a time (see :func:`_pass1`)."""

    def __init__(self, tf):
        self.cpu = tf.cpu
        self.chunks = tf.chunks()
        self.carry = _Carry()
        self.vcarry = _VcpuCarry()
        self.parts = {"starts": [], "exits": [], "enters": [], "instants": [], "kicks": [], "vstarts": []}
        self.unpaired = 0
        self.low = None
        self.last = None  # the TSC of the last record read
        self.sorted = True
        self.done = False

    def step(self) -> bool:
        """Read one chunk; False at the end of the file."""
        w = next(self.chunks, None)
        if w is None:
            self.done = True
            return False
        sl, u = _slices(w, self.carry)
        self.parts["starts"].append(sl[0])
        self.unpaired += u
        self.parts["vstarts"].append(_vcpu_slices(w, self.vcarry)[0])
        ids = w[:, fmt.COL_ID] & fmt.ID_MASK
        tsc = w[:, fmt.COL_TSC]
        self.parts["exits"].append(tsc[ids == ev.TRACE_VM_EXIT])
        self.parts["enters"].append(tsc[ids == ev.TRACE_VM_ENTER])
        self.sorted = self.sorted and bool(np.all(tsc[1:] >= tsc[:-1])) and (self.last is None or tsc[0] >= self.last)
        model = ids > ev.MODEL_EVENT_BASE
        if model.any():
            mw, mid = w[model], ids[model]
            self.parts["instants"].append(mw[np.isin(mid, _INSTANT_IDS + (ev.VM_NAME,))])
            self.parts["kicks"].append(mw[mid == ev.KICK_SENT])
        m = int(tsc.min())
        self.low = m if self.low is None else min(self.low, m)
        self.last = int(tsc[-1])
        return True

    def result(self) -> _Pass1:
        def cat(name, shape=(0,)):
            parts = self.parts[name]
            return np.concatenate(parts) if parts else np.zeros(shape, np.int64)

        def ordered(a):
            return a if self.sorted else np.sort(a)

        if self.last is not None:  # the states still open (at the end of the file, or where reading stopped)
            self.parts["vstarts"].append(self.vcarry.open_slices(self.last)[0])
        return _Pass1(self.cpu, cat("starts"), ordered(cat("exits")), ordered(cat("enters")),
                      cat("instants", (0, 4)), cat("kicks", (0, 4)), self.unpaired,
                      cat("vstarts"), self.vcarry.keys.copy())


def _pass1(files, limit: int) -> tuple:
    """({cpu: _Pass1}, the smallest TSC, whether every file was read to its end).

    The files are read a chunk each in turn.  Once more than ``limit`` events are known, the ``limit``-th
    earliest of them bounds the cut from above; a file whose time runs forward and has passed the bound
    (and read one chunk more, for the kicks' landing exits) has nothing more to give."""
    readers = [_Pass1Reader(tf) for tf in files if tf.n_records]
    active = list(readers)
    past = set()
    complete = True
    while active:
        for r in active:
            r.step()
        active = [r for r in active if not r.done]
        known = [p for r in readers for name in ("starts", "vstarts") for p in r.parts[name]]
        if sum(map(len, known)) > limit and active:
            bound = int(np.partition(np.concatenate(known), limit)[limit])
            for r in list(active):
                if r.sorted and r.last is not None and r.last >= bound:
                    if r.cpu in past:
                        active.remove(r)
                        complete = False
                    past.add(r.cpu)
    lows = [r.low for r in readers if r.low is not None]
    return {r.cpu: r.result() for r in readers}, min(lows, default=0), complete


def _kick_end(k_tsc: int, target: _Pass1) -> int:
    """Where a kick's arrow lands: the target's next VM exit if it was in the guest, else the kick's time."""
    xs, es = target.exits, target.enters
    ix = np.searchsorted(xs, k_tsc, "right") - 1
    ie = np.searchsorted(es, k_tsc, "right") - 1
    in_guest = ie >= 0 and (ix < 0 or es[ie] > xs[ix])
    j = np.searchsorted(xs, k_tsc, "left")
    return int(xs[j]) if in_guest and j < len(xs) else k_tsc


# ---------------------------------------------------------------------------------------------------
# Rows: chosen here with numpy, formatted by the compiled loops of acrn.trace.rows into one buffer
# ---------------------------------------------------------------------------------------------------
class _RowBuffer:
    """One bytearray the rows of each chunk are formatted into (grown when a chunk needs more)."""

    def __init__(self):
        self.buf = bytearray(0)

    def get(self, size: int) -> memoryview:
        if len(self.buf) < size:
            self.buf = bytearray(size)
        return memoryview(self.buf)


def _name_table(keys: np.ndarray, name_of) -> tuple:
    """(index of each key's name, the names' JSON texts one after the other, their offsets, the longest)."""
    uniq, inverse = np.unique(keys, return_inverse=True)
    texts = [json.dumps(name_of(int(k))).encode() for k in uniq]
    off = np.zeros(len(texts) + 1, np.int64)
    off[1:] = np.cumsum([len(x) for x in texts])
    return inverse.reshape(-1).astype(np.int64), b"".join(texts), off, max(len(x) for x in texts)


_EXIT_MID = b',"cat":"vmexit","args":{"reason":'
_RIP_MID = b',"rip":"0x'
_EXIT_TAIL = b'"}}'
_GUEST_TAIL = b',"cat":"guest"}'


def _format_slices(buf, cpu, start_ns, end_ns, is_exit, reason, rip, ctx, names) -> memoryview:
    """The JSON rows of a chunk's slices (VM exits and guest stays, in time order), each after ``,\n``."""
    n = len(start_ns)
    if n == 0:
        return memoryview(b"")
    key = np.where(is_exit, reason, t.REASON_SLOTS + ctx)
    idx, texts, off, longest = _name_table(key, lambda k: ev.exit_reason_label(k) if k < t.REASON_SLOTS
                                           else _ctx_name(k - t.REASON_SLOTS, names))
    head = b',\n{"ph":"X","pid":%d,"tid":%d,"ts":' % (PID, cpu)
    out = buf.get(rows.row_bound(n, longest, head, _EXIT_MID, _RIP_MID, _EXIT_TAIL, _GUEST_TAIL))
    size = rows.slice_rows(out, head, start_ns, end_ns, idx, texts, off, is_exit.astype(np.uint8), reason, rip,
                           _EXIT_MID, _GUEST_TAIL, _RIP_MID, _EXIT_TAIL)
    return out[:size]


# ---------------------------------------------------------------------------------------------------
# vCPU tracks: what each vCPU is doing, from VCPU_RUN (model captures), TRACE_SCHED_NEXT and VM_ENTER/EXIT
# ---------------------------------------------------------------------------------------------------
NONROOT, ROOT, OUT, BLOCKED = 0, 1, 2, 3
VCPU_STATES = ("non-root", "root", "not running", "blocked")
VCPU_PID_BASE = 2  # the VM with id v is process 2 + v (process 1 holds the pCPU tracks)
VCPU_TID_BASE = 10000  # vCPU n of VM v is thread 10000 + 100 * v + n (unique across processes)


def vcpu_pid(key):
    """The process of a vCPU's VM (``key``: the vCPU's context, or an array of them)."""
    return VCPU_PID_BASE + key // t.CTX_VCPUS


def vcpu_tid(key: int, cpu=None) -> int:
    """The vCPU's track; ``cpu`` given: its track for the pCPU it ran on, when it ran on several."""
    vm, vcpu = divmod(key, t.CTX_VCPUS)
    return (0 if cpu is None else 1_000_000 * (cpu + 1)) + VCPU_TID_BASE + 100 * vm + vcpu


def _known_vcpu(ctx: np.ndarray) -> np.ndarray:
    """Which contexts name a vCPU (VM and vCPU known: only VCPU_RUN gives the vCPU)."""
    return (ctx < t.CTX_IDLE) & (ctx % t.CTX_VCPUS != t.CTX_VCPU_UNKNOWN)


class _VcpuCarry:
    """Per pCPU file: the context current after the last record read, and each vCPU's open state (the
    state it entered last and since when): bounded by the number of vCPUs, whatever the capture's size."""

    def __init__(self):
        self.ctx = t.CTX_UNKNOWN
        self.keys = np.zeros(0, np.int64)
        self.since = np.zeros(0, np.int64)
        self.state = np.zeros(0, np.int64)

    def open_slices(self, end: int) -> tuple:
        """The open states as slices ending at ``end`` (the file's last record): (start, end, key, state);
        a state entered at ``end`` itself is left out."""
        ok = self.since < end
        return (self.since[ok], np.full(int(np.count_nonzero(ok)), end, np.int64), self.keys[ok], self.state[ok])


def _vcpu_slices(w: np.ndarray, carry: _VcpuCarry) -> tuple:
    """The vCPU slices that end in chunk ``w``: (start, end, key, state) arrays, key = the vCPU's context.

    Each record changes one vCPU's state: VM_ENTER puts the running vCPU in non-root, VM_EXIT in root,
    TRACE_SCHED_NEXT switches the running vCPU out (not running), VCPU_BLOCKED (after it) says its vCPU was
    switched out blocked, VCPU_RUN puts its vCPU in root (switched in; the VM entry follows).  A change to
    the state the vCPU is already in changes nothing; a slice is a change and the vCPU's next change, when
    time does not go backwards between them; a "not running" of no cycles (a thread switched to itself, or
    followed by its VCPU_BLOCKED) is left out."""
    ids = w[:, fmt.COL_ID] & fmt.ID_MASK
    is_run = ids == ev.VCPU_RUN
    is_blocked = ids == ev.VCPU_BLOCKED
    is_sched = ids == ev.TRACE_SCHED_NEXT
    is_enter = ids == ev.TRACE_VM_ENTER
    pos = np.flatnonzero(is_run | is_blocked | is_sched | is_enter | (ids == ev.TRACE_VM_EXIT))
    rid = ids[pos]
    e = w[pos, fmt.COL_E]
    # the context after each record: forward-filled from the context-setting records
    sets = is_run[pos] | is_sched[pos]
    val = np.where(rid == ev.VCPU_RUN, reference.vcpu_ctx(e), reference.sched_ctx(e))
    idx = np.where(sets, np.arange(len(pos)), -1)
    idx = np.maximum.accumulate(idx) if len(idx) else idx
    after = np.where(idx >= 0, val[np.maximum(idx, 0)], carry.ctx)
    before = np.empty_like(after)
    if len(after):
        before[0] = carry.ctx
        before[1:] = after[:-1]
        carry.ctx = int(after[-1])
    key = np.where(rid == ev.VCPU_RUN, after, np.where(rid == ev.VCPU_BLOCKED, reference.vcpu_ctx(e), before))
    state = np.where(is_enter[pos], NONROOT, np.where(is_sched[pos], OUT, np.where(is_blocked[pos], BLOCKED, ROOT)))
    ok = _known_vcpu(key)
    key, state, ts = key[ok], state[ok], w[pos[ok], fmt.COL_TSC]
    # the open states first, then this chunk's changes, grouped by vCPU (stable: in time order)
    key = np.concatenate([carry.keys, key])
    ts = np.concatenate([carry.since, ts])
    state = np.concatenate([carry.state, state])
    order = np.argsort(key, kind="stable")
    key, ts, state = key[order], ts[order], state[order]
    same = np.zeros(len(key), np.bool_)
    same[1:] = (key[1:] == key[:-1]) & (state[1:] == state[:-1])
    key, ts, state = key[~same], ts[~same], state[~same]
    last = np.ones(len(key), np.bool_)
    last[:-1] = key[1:] != key[:-1]
    carry.keys, carry.since, carry.state = key[last], ts[last], state[last]
    j = np.flatnonzero(~last)
    start, end = ts[j], ts[j + 1]
    keep = (end >= start) & ~((state[j] == OUT) & (end == start))
    j = j[keep]
    return ts[j], ts[j + 1], key[j], state[j]


def _format_vcpu_slices(buf, cpu, start_ns, end_ns, key, state, tids) -> memoryview:
    """The JSON rows of vCPU slices seen on pCPU ``cpu`` (``tids[key]``: the vCPU's track), each after ``,\n``."""
    n = len(key)
    if n == 0:
        return memoryview(b"")
    pid, tid = vcpu_pid(key), tids[key]
    idx, texts, off, longest = _name_table(state, lambda s: VCPU_STATES[s])
    tail = b',"cat":"vcpu","args":{"pcpu":%d}}' % cpu
    out = buf.get(rows.row_bound(n, longest, tail))
    size = rows.vcpu_rows(out, start_ns, end_ns, np.ascontiguousarray(pid, np.int64),
                          np.ascontiguousarray(tid, np.int64), idx, texts, off, tail)
    return out[:size]


# ---------------------------------------------------------------------------------------------------
# The timeline
# ---------------------------------------------------------------------------------------------------
def _us_text(ns: int) -> str:
    """Integer nanoseconds as microseconds with three decimals (exact: no float rounding)."""
    return "%s%d.%03d" % (("-" if ns < 0 else "",) + divmod(abs(ns), 1000))


class NothingOnTimeline(ValueError):
    """The capture has no record the timeline can show (nothing is written)."""


def write_timeline(capture, tsc, path, max_events: int = 2_000_000, progress=None) -> TimelineSummary:
    """Write the timeline of ``capture`` to ``path`` atomically; at most ``max_events`` events (the earliest:
    a kick's arrow goes with the kick).  ``progress(n)``: records read in pass 2.  The summary counts what
    was written.  Raises NothingOnTimeline, writing nothing, when there is nothing to show."""
    summary = TimelineSummary()
    first, t0, complete = _pass1(capture.files, max_events)
    ns_per_cycle = 1e6 / tsc.khz
    names = {}
    for p1 in first.values():
        for r in p1.instants[(p1.instants[:, fmt.COL_ID] & fmt.ID_MASK) == ev.VM_NAME]:
            vm, name = ev.vm_name_of(int(r[fmt.COL_E]), int(r[fmt.COL_F]))
            names[vm] = name
        if p1.unpaired:
            tf = next(f for f in capture.files if f.cpu == p1.cpu)
            summary.warnings.append("pCPU %d (%s): %d VM exits without VM_ENTER left off the timeline"
                                    % (p1.cpu, tf.path, p1.unpaired))

    def ns(x) -> int:
        """Nanoseconds since the first record, rounded (as the whole-array rows round them)."""
        return int(np.rint((int(x) - t0) * ns_per_cycle))

    def shown(rows):
        return rows[(rows[:, fmt.COL_ID] & fmt.ID_MASK) != ev.VM_NAME]

    # the vCPU tracks: one per vCPU that ran (VCPU_RUN), in its VM's process; a vCPU that ran on several
    # pCPU files (ACRN pins vCPUs) gets a track per pCPU, so no two files' views of it overlap
    runs_on = {}
    for cpu in sorted(first):
        for key in first[cpu].vcpus.tolist():
            runs_on.setdefault(key, []).append(cpu)
    tids = {cpu: np.zeros(t.CTX_IDLE, np.int64) for cpu in first}
    tracks = {}  # (key, tid) -> track name
    for key, cpus in runs_on.items():
        for cpu in cpus:
            tid = vcpu_tid(key) if len(cpus) == 1 else vcpu_tid(key, cpu)
            tids[cpu][key] = tid
            tracks[(key, tid)] = _ctx_name(key, names) + ("" if len(cpus) == 1 else " on pCPU %d" % cpu)
    violations = []  # (tid, key, record) of the violations that name a vCPU, for their vCPU's track
    for p1 in first.values():
        for rec in p1.instants[(p1.instants[:, fmt.COL_ID] & fmt.ID_MASK) == ev.INVARIANT_VIOLATION]:
            _, vm, vcpu, _ = ev.unpack_4i(int(rec[fmt.COL_E]) & _U64, int(rec[fmt.COL_F]) & _U64)
            if vm < t.CTX_VMS and vcpu < t.CTX_VCPU_UNKNOWN:
                key = t.ctx_index(vm, vcpu)
                cpus = runs_on.get(key, [])
                tid = (vcpu_tid(key) if len(cpus) <= 1 else
                       vcpu_tid(key, p1.cpu if p1.cpu in cpus else cpus[0]))
                tracks.setdefault((key, tid), _ctx_name(key, names))
                violations.append((tid, key, rec))
    summary.vcpu_tracks = len(tracks)

    parts = [p.starts for p in first.values()] + [shown(p.instants)[:, fmt.COL_TSC] for p in first.values()]
    parts += [np.repeat(p.kicks[:, fmt.COL_TSC], 3) for p in first.values()]
    parts += [p.vstarts for p in first.values()]
    parts += [np.array([int(rec[fmt.COL_TSC]) for _, _, rec in violations], np.int64)]
    starts = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    total = len(starts)
    cutoff = None
    if total > max_events:
        cutoff = int(np.partition(starts, max_events)[max_events])
        kept = int(np.count_nonzero(starts < cutoff))
        summary.warnings.append("timeline cut at %.3f us after the first record: %d of %s events kept "
                                "(raise --max-events for more)"
                                % (ns(cutoff) / 1000.0, kept, total if complete else "more than %d" % total))
    del starts, parts
    if total == 0:
        raise NothingOnTimeline("%s: nothing to put on a timeline: no records" % capture.path)

    def keep(times):
        return np.ones(len(times), np.bool_) if cutoff is None else times < cutoff

    meta = ['{"ph":"M","pid":%d,"name":"process_name","args":{"name":%s}}'
            % (PID, json.dumps("acrn-model %s" % capture.path))]
    for tf in capture.files:
        meta.append('{"ph":"M","pid":%d,"tid":%d,"name":"thread_name","args":{"name":"pCPU %d"}}'
                    % (PID, tf.cpu, tf.cpu))
        meta.append('{"ph":"M","pid":%d,"tid":%d,"name":"thread_sort_index","args":{"sort_index":%d}}'
                    % (PID, tf.cpu, tf.cpu))
    if tracks:
        meta.append('{"ph":"M","pid":%d,"name":"process_sort_index","args":{"sort_index":0}}' % PID)
    for vm in sorted({key // t.CTX_VCPUS for key, _ in tracks}):
        label = "%s (VM %d)" % (names[vm], vm) if vm in names else "vm%d" % vm
        meta.append('{"ph":"M","pid":%d,"name":"process_name","args":{"name":%s}}'
                    % (VCPU_PID_BASE + vm, json.dumps(label)))
        meta.append('{"ph":"M","pid":%d,"name":"process_sort_index","args":{"sort_index":%d}}'
                    % (VCPU_PID_BASE + vm, 1 + vm))
    for (key, tid), name in sorted(tracks.items(), key=lambda kv: kv[0][1]):
        pid = vcpu_pid(key)
        meta.append('{"ph":"M","pid":%d,"tid":%d,"name":"thread_name","args":{"name":%s}}'
                    % (pid, tid, json.dumps(name)))
        meta.append('{"ph":"M","pid":%d,"tid":%d,"name":"thread_sort_index","args":{"sort_index":%d}}'
                    % (pid, tid, tid))

    buf = _RowBuffer()

    def write_vcpu(out, cpu, vslices, tid_of) -> int:
        """Write the vCPU slices before the cut; how many."""
        start, end, key, state = vslices
        sel = keep(start)
        if not sel.any():
            return 0
        start_ns = np.rint((start[sel] - t0) * ns_per_cycle).astype(np.int64)
        end_ns = np.rint((end[sel] - t0) * ns_per_cycle).astype(np.int64)
        out.write(_format_vcpu_slices(buf, cpu, start_ns, end_ns, key[sel], state[sel], tid_of))
        return int(np.count_nonzero(sel))

    with fmt.AtomicOutput(path, "wb") as out:
        out.write(('{"traceEvents":[\n' + ",\n".join(meta)).encode())
        for tf in capture.files:
            if tf.cpu not in first:
                continue
            carry, vcarry, tid_of = _Carry(), _VcpuCarry(), tids[tf.cpu]
            past_cut = False  # the pCPU track is past the cut: read on only for the vCPU slices still open
            last = None
            for w in tf.chunks():
                if not past_cut:
                    (start, end, is_exit, reason, rip, ctx), _ = _slices(w, carry)
                    sel = keep(start)
                    if sel.any():
                        start_ns = np.rint((start[sel] - t0) * ns_per_cycle).astype(np.int64)
                        end_ns = np.rint((end[sel] - t0) * ns_per_cycle).astype(np.int64)
                        out.write(_format_slices(buf, tf.cpu, start_ns, end_ns, is_exit[sel], reason[sel], rip[sel],
                                                 ctx[sel], names))
                        summary.slices += int(np.count_nonzero(sel))
                    past_cut = cutoff is not None and len(start) > 0 and start[-1] >= cutoff and not sel[-1]
                summary.slices += write_vcpu(out, tf.cpu, _vcpu_slices(w, vcarry), tid_of)
                last = int(w[-1, fmt.COL_TSC])
                if progress is not None:
                    progress(len(w))
                if past_cut and not np.any(vcarry.since < cutoff):
                    break  # the rest of this file is past the cut
            else:
                if last is not None:
                    summary.slices += write_vcpu(out, tf.cpu, vcarry.open_slices(last), tid_of)
        lines = []
        for p1 in first.values():
            for rec in shown(p1.instants)[keep(shown(p1.instants)[:, fmt.COL_TSC])]:
                event_id = int(rec[fmt.COL_ID]) & fmt.ID_MASK
                scope = "g" if event_id == ev.INVARIANT_VIOLATION else "t"
                name = json.dumps(_instant_name(event_id, int(rec[fmt.COL_E]), int(rec[fmt.COL_F]), names))[1:-1]
                lines.append(_INSTANT % (scope, PID, p1.cpu, _us_text(ns(rec[fmt.COL_TSC])), name, "model"))
                summary.instants += 1
        for tid, key, rec in violations:
            if cutoff is None or rec[fmt.COL_TSC] < cutoff:
                name = json.dumps(_instant_name(ev.INVARIANT_VIOLATION, int(rec[fmt.COL_E]), int(rec[fmt.COL_F]),
                                                names))[1:-1]
                lines.append(_INSTANT % ("t", vcpu_pid(key), tid,
                                         _us_text(ns(rec[fmt.COL_TSC])), name, "model"))
                summary.instants += 1
        flow_id = 0
        for p1 in first.values():
            for rec in p1.kicks[keep(p1.kicks[:, fmt.COL_TSC])]:
                k_tsc, e = int(rec[fmt.COL_TSC]), int(rec[fmt.COL_E])
                target, mode = e & 0xFFFFFFFF, (e >> 32) & 0xFFFFFFFF
                name = "kick %s -> pCPU %d" % (ev.KICK_MODES.get(mode, "mode%d" % mode), target)
                lines.append(_INSTANT % ("t", PID, p1.cpu, _us_text(ns(k_tsc)), name, "kick"))
                if target not in first:
                    summary.warnings.append("kick to pCPU %d, which is not in the capture: no arrow" % target)
                    continue
                flow_id += 1
                land = _kick_end(k_tsc, first[target])
                lines.append(_FLOW_START % (flow_id, PID, p1.cpu, _us_text(ns(k_tsc)), name))
                lines.append(_FLOW_END % (flow_id, PID, target, _us_text(ns(land)), name))
                summary.flows += 1
        if lines:
            out.write((",\n" + ",\n".join(lines)).encode())
        out.write(('\n],"displayTimeUnit":"ns","otherData":%s}\n'
                   % json.dumps({"capture": str(capture.path), "tsc_mhz": tsc.mhz})).encode())
        summary.events = summary.slices + len(lines)
    return summary
