"""NumPy implementations of the analyses: the oracle the record loops of :mod:`acrn.trace.scan` (built
by Cython and by numba) are tested against, and the path that needs no compiled code at all.

:func:`vm_exit_scan_chunk` and :func:`sched_scan_file` fill exactly the arrays their twins in
:mod:`acrn.trace.scan` fill, but are written the other way round: whole-array operations on the
sequence of VM_EXIT/VM_ENTER records instead of a record-by-record state machine, so agreement between
the two is evidence, not a tautology.  The loops at the end (:func:`kick_latencies_loop`,
:func:`request_latencies_loop`) are plain Python references for the vectorised latency matching in
:mod:`acrn.trace.analysis`.
"""
from __future__ import annotations

import numpy as np

from acrn.trace import events as ev
from acrn.trace import format as fmt
from acrn.trace import tables as t
from acrn.trace.results import IrqStats

_I64 = np.int64
_HANDLER_SLOT = np.asarray(t.HANDLER_SLOT)
_KNOWN_SMALL = np.asarray(t.KNOWN_SMALL).view(np.bool_)


class _Views:
    """numpy views of a VmExitStats' arrays (array.array), written through."""

    def __init__(self, stats):
        for name in stats.ARRAYS:
            setattr(self, name, np.asarray(getattr(stats, name)))


# ---------------------------------------------------------------------------------------------------
# Context and thread-name decoding (vectorised twins of scan.sched_name_vm/sched_ctx/vcpu_ctx)
# ---------------------------------------------------------------------------------------------------
def sched_name_vm(name4: np.ndarray) -> np.ndarray:
    """VM id of 4-byte thread-name prefixes: 0-99 for "vm<d>:"/"vm<dd>", -1 for "idle", -2 else."""
    b0 = name4 & 0xFF
    b1 = (name4 >> 8) & 0xFF
    b2 = (name4 >> 16) & 0xFF
    b3 = (name4 >> 24) & 0xFF
    is_vm = (b0 == t.CH_V) & (b1 == t.CH_M) & (b2 >= t.CH_0) & (b2 <= t.CH_9)
    d3 = (b3 >= t.CH_0) & (b3 <= t.CH_9)
    vm = np.where(b3 == t.CH_COLON, b2 - t.CH_0, np.where(d3, (b2 - t.CH_0) * 10 + (b3 - t.CH_0), -2))
    return np.where(is_vm, vm, np.where(name4 == t.IDLE_NAME, -1, -2)).astype(_I64)


def sched_ctx(e: np.ndarray) -> np.ndarray:
    vm = sched_name_vm((e >> 32) & 0xFFFFFFFF)
    return np.where(vm == -1, t.CTX_IDLE,
                    np.where((vm >= 0) & (vm < t.CTX_VMS), vm * t.CTX_VCPUS + t.CTX_VCPU_UNKNOWN,
                             t.CTX_UNKNOWN)).astype(_I64)


def vcpu_ctx(e: np.ndarray) -> np.ndarray:
    vm = e & 0xFFFFFFFF
    vcpu = (e >> 32) & 0xFFFFFFFF
    return np.where((vm < t.CTX_VMS) & (vcpu < t.CTX_VCPU_UNKNOWN), vm * t.CTX_VCPUS + vcpu,
                    t.CTX_UNKNOWN).astype(_I64)


def _shifted(first, values: np.ndarray) -> np.ndarray:
    """``[first, values[0], ..., values[-2]]``: each element's predecessor."""
    out = np.empty_like(values)
    if len(values):
        out[0] = first
        out[1:] = values[:-1]
    return out


def last_before(positions: np.ndarray, values: np.ndarray, at: np.ndarray, initial) -> np.ndarray:
    """For each position in ``at``: the value of the last entry of ``positions`` strictly before it, or
    ``initial`` when there is none.  ``positions`` ascending."""
    if len(positions) == 0:
        return np.full(len(at), initial, _I64)
    k = np.searchsorted(positions, at) - 1
    return np.where(k >= 0, values[np.maximum(k, 0)], initial).astype(_I64)


_I64_MAX = (1 << 63) - 1
_I64_MIN = -(1 << 63)


def add_at_saturating(acc: np.ndarray, idx: np.ndarray, vals: np.ndarray, counters: np.ndarray,
                      counter: int) -> None:
    """``np.add.at(acc, idx, vals)`` with :func:`acrn.trace.scan.sat_add`'s rule: a sum that would leave
    int64 stays at the limit, and each such add is counted in ``counters[counter]``."""
    if len(vals) == 0:
        return
    bound = float(np.abs(acc.astype(np.float64)).max()) + float(np.abs(vals.astype(np.float64)).sum())
    if bound < 2.0 ** 62:
        np.add.at(acc, idx, vals)
        return
    for i, v in zip(idx.tolist(), vals.tolist()):  # exact, in record order
        total = int(acc[i]) + v
        if not _I64_MIN <= total <= _I64_MAX:
            counters[counter] += 1
            total = _I64_MAX if total > 0 else _I64_MIN
        acc[i] = total


# ---------------------------------------------------------------------------------------------------
# vm_exit (vmexit_analyze.py parse_trace_data, plus exact and per-vCPU attribution)
# ---------------------------------------------------------------------------------------------------
def vm_exit_scan_chunk(w: np.ndarray, st: np.ndarray, stats, want_durations: bool = False):
    """The numpy twin of :func:`acrn.trace.scan.vm_exit_chunk`; same arguments and effects."""
    w = np.asarray(w)
    n = w.shape[0]
    empty = (np.zeros(0, _I64), np.zeros(0, _I64))
    if n == 0:
        return empty if want_durations else None
    st = np.asarray(st)
    stats = _Views(stats)
    c = stats.counters
    tsc = w[:, fmt.COL_TSC]
    ids = w[:, fmt.COL_ID] & fmt.ID_MASK

    # Time going backwards, across the chunk boundary too
    nonmono = int(np.count_nonzero(tsc[1:] < tsc[:-1]))
    if st[t.S_HAVE_PREV] and tsc[0] < st[t.S_PREV_TSC]:
        nonmono += 1
    c[t.C_NONMONOTONIC] += nonmono
    c[t.C_TSC_HIGH] += int(np.count_nonzero(tsc < 0))

    is_exit = ids == ev.TRACE_VM_EXIT
    is_enter = ids == ev.TRACE_VM_ENTER
    is_step = is_exit | is_enter

    # Everything else: contexts, handler events, TSC frequency, unknown ids
    rest = np.flatnonzero(~is_step)
    rid = ids[rest]
    is_run = rid == ev.VCPU_RUN
    is_ctx = is_run | (rid == ev.TRACE_SCHED_NEXT)
    ctx_pos = rest[is_ctx]
    ctx_e = w[ctx_pos, fmt.COL_E]
    ctx_val = np.where(is_run[is_ctx], vcpu_ctx(ctx_e), sched_ctx(ctx_e)).astype(_I64)
    off = rid - ev.TRACE_VMEXIT_ENTRY
    in_handler_range = (off >= 0) & (off < t.HANDLER_SPAN)
    slot = np.full(len(rid), -1, _I64)
    slot[in_handler_range] = _HANDLER_SLOT[off[in_handler_range]]
    known = slot >= 0
    small = rid < 256
    known[small] |= _KNOWN_SMALL[rid[small]]
    known |= (rid > ev.MODEL_EVENT_BASE) & (rid <= ev.MODEL_EVENT_LAST)
    unknown = np.flatnonzero(~known)
    if len(unknown):
        c[t.C_UNKNOWN_IDS] += len(unknown)
        if c[t.C_FIRST_UNKNOWN_ID] < 0:
            c[t.C_FIRST_UNKNOWN_ID] = rid[unknown[0]]
    freq = np.flatnonzero(rid == ev.MODEL_TSC_FREQ)
    if len(freq):
        c[t.C_TSC_KHZ] = w[rest[freq[-1]], fmt.COL_E]

    # The VM_EXIT / VM_ENTER sequence; element j's predecessor comes from the carried state for j = 0
    pos = np.flatnonzero(is_step)
    m = len(pos)
    kx = is_exit[pos]
    ke = ~kx
    ts = tsc[pos]
    ctx = last_before(ctx_pos, ctx_val, pos, st[t.S_CTX])
    reason = np.zeros(m, _I64)
    reason[kx] = w[pos[kx], fmt.COL_E] & t.REASON_MASK
    kind = np.where(kx, t.KIND_EXIT, t.KIND_ENTER).astype(_I64)
    prev_kind = _shifted(st[t.S_LAST_KIND], kind)
    prev_tsc = _shifted(st[t.S_LAST_TSC], ts)
    prev_reason = _shifted(st[t.S_LAST_REASON], reason)
    prev_ctx = _shifted(st[t.S_LAST_CTX], ctx)

    exit_idx = np.flatnonzero(kx)
    was_started = bool(st[t.S_STARTED])
    if was_started:
        started = np.ones(m, np.bool_)
    elif len(exit_idx):
        started = np.arange(m) > exit_idx[0]
        st[t.S_STARTED] = 1
        st[t.S_BEGIN] = ts[exit_idx[0]]
    else:
        started = np.zeros(m, np.bool_)

    # VM exits: counts, guest time since the previous VM_ENTER
    stats.exits += np.bincount(reason[kx], minlength=t.REASON_SLOTS)
    stats.ctx_exits += np.bincount(ctx[kx], minlength=t.N_CTX)
    c[t.C_EXIT_WITHOUT_ENTER] += np.count_nonzero(kx & (prev_kind == t.KIND_EXIT))
    guest = kx & (prev_kind == t.KIND_ENTER)
    d_guest = ts[guest] - prev_tsc[guest]
    ok = d_guest >= 0
    add_at_saturating(stats.ctx_guest_cycles, prev_ctx[guest][ok], d_guest[ok], c, t.C_OVERFLOW)
    c[t.C_NEGATIVE_GUEST] += np.count_nonzero(~ok)

    # VM entries: close the open exit (exact attribution by its reason)
    c[t.C_ENTER_BEFORE_FIRST_EXIT] += np.count_nonzero(ke & ~started)
    enter = ke & started
    closes = enter & (prev_kind == t.KIND_EXIT)
    c[t.C_ENTER_WITHOUT_EXIT] += np.count_nonzero(enter & ~closes)
    d = ts[closes] - prev_tsc[closes]
    ok = d >= 0
    c[t.C_NEGATIVE_DURATION] += np.count_nonzero(~ok)
    durations = d[ok]
    dur_reason = prev_reason[closes][ok]
    add_at_saturating(stats.exit_cycles, dur_reason, durations, c, t.C_OVERFLOW)
    stats.completed += np.bincount(dur_reason, minlength=t.REASON_SLOTS)
    add_at_saturating(stats.ctx_exit_cycles, prev_ctx[closes][ok], durations, c, t.C_OVERFLOW)
    enter_idx = np.flatnonzero(enter)
    if len(enter_idx):
        st[t.S_END] = ts[enter_idx[-1]]

    # acrnalyze attribution: every VM_ENTER after the first VM_EXIT adds (its TSC - the last VM_EXIT's
    # TSC) to the last TRACE_VMEXIT_* event seen since the first VM_EXIT
    last_exit = np.where(kx, np.arange(m), -1)
    np.maximum.accumulate(last_exit, out=last_exit)
    le = last_exit[enter_idx]
    exit_tsc = np.where(le >= 0, ts[np.maximum(le, 0)], st[t.S_COMPAT_EXIT_TSC])
    h_pos = rest[slot >= 0]
    h_slot = slot[slot >= 0]
    if not was_started:
        keep = h_pos > pos[exit_idx[0]] if len(exit_idx) else np.zeros(len(h_pos), np.bool_)
        c[t.C_HANDLER_BEFORE_FIRST_EXIT] += np.count_nonzero(~keep)
        h_pos, h_slot = h_pos[keep], h_slot[keep]
    stats.compat_events += np.bincount(h_slot, minlength=t.N_COMPAT)
    e_slot = last_before(h_pos, h_slot, pos[enter_idx], st[t.S_COMPAT_SLOT])
    dc = ts[enter_idx] - exit_tsc
    att = e_slot >= 0
    add_at_saturating(stats.compat_cycles, e_slot[att], dc[att], c, t.C_OVERFLOW)
    c[t.C_COMPAT_UNATTRIBUTED_ENTERS] += np.count_nonzero(~att)
    add_at_saturating(c, np.full(np.count_nonzero(~att), t.C_COMPAT_UNATTRIBUTED_CYCLES), dc[~att], c, t.C_OVERFLOW)

    # Carry the state into the next chunk
    st[t.S_PREV_TSC] = tsc[-1]
    st[t.S_HAVE_PREV] = 1
    if m:
        st[t.S_LAST_KIND] = kind[-1]
        st[t.S_LAST_TSC] = ts[-1]
        st[t.S_LAST_REASON] = reason[-1]
        st[t.S_LAST_CTX] = ctx[-1]
    if len(ctx_val):
        st[t.S_CTX] = ctx_val[-1]
    if len(exit_idx):
        st[t.S_COMPAT_EXIT_TSC] = ts[exit_idx[-1]]
    if len(h_slot):
        st[t.S_COMPAT_SLOT] = h_slot[-1]
    return (durations.astype(_I64), dur_reason.astype(_I64)) if want_durations else None


# ---------------------------------------------------------------------------------------------------
# cpu_usage (cpuusage_analyze.py process_trace_data)
# ---------------------------------------------------------------------------------------------------
def sched_scan_file(w: np.ndarray, compat: bool):
    """The numpy twin of :func:`acrn.trace.scan.sched_chunk` + ``sched_finish`` over a whole file:
    (slot_time, sc)."""
    slot_time = np.zeros(t.N_SCHED_SLOTS, _I64)
    sc = np.asarray(t.new_sched_state())
    w = np.asarray(w)
    n = w.shape[0]
    tsc = w[:, fmt.COL_TSC]
    zero = np.flatnonzero(tsc == 0) if compat else np.zeros(0, _I64)
    if len(zero):  # acrnalyze stops at the first record with TSC 0 (and counts it)
        limit = int(zero[0])
        sc[t.SC_ZERO_TSC] = sc[t.SC_STOPPED] = 1
        sc[t.SC_SEEN] = sc[t.SC_ITEMS] = limit + 1
    else:  # ... and counts one item more than it read when it reads to the end
        limit = n
        sc[t.SC_SEEN] = n
        sc[t.SC_ITEMS] = n + 1 if compat else n
    if limit == 0:
        return slot_time, sc
    valid = tsc[:limit]
    sc[t.SC_STARTED] = 1
    sc[t.SC_TSC_HIGH] = np.count_nonzero(valid < 0)
    sc[t.SC_NONMONOTONIC] = np.count_nonzero(valid[1:] < valid[:-1])
    begin, end = valid[0], valid[-1]
    sc[t.SC_BEGIN], sc[t.SC_END] = begin, end
    sc[t.SC_LAST_SCHED] = begin
    sp = np.flatnonzero((w[:limit, fmt.COL_ID] & fmt.ID_MASK) == ev.TRACE_SCHED_NEXT)
    sc[t.SC_SCHED] = len(sp)
    if len(sp) == 0:
        return slot_time, sc
    e = w[sp, fmt.COL_E]
    slots = []
    for name in (e & 0xFFFFFFFF, (e >> 32) & 0xFFFFFFFF):
        vm = sched_name_vm(name)
        sc[t.SC_BAD_NAMES] += np.count_nonzero(vm < -1)
        slots.append(np.where(vm == -1, t.SCHED_IDLE, np.where(vm < -1, t.SCHED_UNKNOWN, vm)))
    prev, nxt = slots
    s_tsc = tsc[sp]
    dt = s_tsc - _shifted(begin, s_tsc)
    chained = np.ones(len(sp), np.bool_)
    chained[1:] = prev[1:] == nxt[:-1]
    add_at_saturating(slot_time, prev[chained], dt[chained], sc, t.SC_OVERFLOW)
    sc[t.SC_AMBIGUOUS] = int(dt[~chained].sum())
    sc[t.SC_CHAIN_BREAKS] = np.count_nonzero(~chained)
    sc[t.SC_LAST_SCHED] = s_tsc[-1]
    sc[t.SC_NEXT_LAST] = nxt[-1]
    add_at_saturating(slot_time, nxt[-1:], np.array([end - s_tsc[-1]]), sc, t.SC_OVERFLOW)
    return slot_time, sc


# ---------------------------------------------------------------------------------------------------
# irq (irq_analyze.py parse_trace)
# ---------------------------------------------------------------------------------------------------
def irq_scan(chunks, compat: bool) -> IrqStats:
    """The numpy twin of the irq scan (:func:`acrn.trace.scan.irq_chunk`): external-interrupt exits per
    host vector over one pCPU's records, given as consecutive chunks."""
    n = 0
    begin = end = None
    found = {}  # vector -> [first record index, count]
    nonmono = 0
    for w in chunks:
        if len(w) == 0:
            continue
        tsc = w[:, fmt.COL_TSC]
        nonmono += int(np.count_nonzero(tsc[1:] < tsc[:-1])) + (1 if end is not None and tsc[0] < end else 0)
        if begin is None:
            if not compat:
                begin = int(tsc[0])
            else:  # irq_analyze.py takes the first non-zero TSC
                nonzero = np.flatnonzero(tsc != 0)
                begin = int(tsc[nonzero[0]]) if len(nonzero) else None
        end = int(tsc[-1])
        sel = np.flatnonzero((w[:, fmt.COL_ID] & fmt.ID_MASK) == ev.TRACE_VMEXIT_EXTERNAL_INTERRUPT)
        uniq, first, counts = np.unique(w[sel, fmt.COL_E], return_index=True, return_counts=True)
        for v, i, k in zip(uniq.tolist(), first.tolist(), counts.tolist()):
            slot = found.setdefault(v, [n + int(sel[i]), 0])
            slot[1] += k
        n += len(w)
    if end is None:
        return IrqStats(0, 0, 0, t.zeros(0), t.zeros(0))
    order = sorted(found, key=lambda v: found[v][0])
    return IrqStats(n, 0 if begin is None else begin, end, t.array_of(order),
                    t.array_of([found[v][1] for v in order]), nonmono)


# ---------------------------------------------------------------------------------------------------
# Plain loops: references for the vectorised latency matching in acrn.trace.analysis
# ---------------------------------------------------------------------------------------------------
def kick_latencies_loop(kicks, exits_by_cpu, enters_by_cpu):
    """For each kick ``(tsc, target)``: ``("guest", cycles to the target's next VM_EXIT)``,
    ``("guest", None)`` if the target never exits again, or ``("root", None)`` when the target was not
    in non-root mode at the kick (its last VM_EXIT/VM_ENTER before the kick was a VM_EXIT, or none)."""
    out = []
    for tsc, target in kicks:
        exits = exits_by_cpu.get(target, [])
        enters = enters_by_cpu.get(target, [])
        last_exit = max((x for x in exits if x <= tsc), default=None)
        last_enter = max((x for x in enters if x <= tsc), default=None)
        in_guest = last_enter is not None and (last_exit is None or last_enter > last_exit)
        if not in_guest:
            out.append(("root", None))
            continue
        nxt = min((x for x in exits if x >= tsc), default=None)
        out.append(("guest", None if nxt is None else nxt - tsc))
    return out


def request_latencies_loop(made, handled):
    """For each ``(tsc, key)`` in ``made``: cycles to the first ``handled`` ``(tsc, key)`` with the same
    key at or after it, or None."""
    out = []
    for tsc, key in made:
        nxt = min((h for h, k in handled if k == key and h >= tsc), default=None)
        out.append(None if nxt is None else nxt - tsc)
    return out
