"""Numba kernels: one pass over a pCPU's records, as a state machine.

Imported only when the numba backend is chosen (:mod:`acrn.trace.analysis`), so ``import acrn.trace``
never pays numba's start-up.  Compiled code is cached on disk (``cache=True``).  Each kernel has a numpy
twin in :mod:`acrn.trace.reference`; tests check they fill identical arrays.

The loops read like acrnalyze's (vmexit_analyze.py ``parse_trace_data``, cpuusage_analyze.py
``process_trace_data``) and do both attributions in the same pass: exact (by the exit reason in the
VM_EXIT payload) and acrnalyze's (by the last TRACE_VMEXIT_* event seen).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from acrn.trace import events as ev
from acrn.trace import format as fmt
from acrn.trace import tables as t

_ID_MASK = fmt.ID_MASK
_VM_EXIT = ev.TRACE_VM_EXIT
_VM_ENTER = ev.TRACE_VM_ENTER
_SCHED_NEXT = ev.TRACE_SCHED_NEXT
_HANDLER_FIRST = ev.TRACE_VMEXIT_ENTRY
_HANDLER_LAST = ev.TRACE_VMEXIT_UNHANDLED
_VCPU_RUN = ev.VCPU_RUN
_TSC_FREQ = ev.MODEL_TSC_FREQ
_MODEL_FIRST = ev.MODEL_EVENT_BASE + 1
_MODEL_LAST = ev.MODEL_EVENT_LAST
_REASON_MASK = t.REASON_MASK
_KIND_EXIT, _KIND_ENTER = t.KIND_EXIT, t.KIND_ENTER
_CTX_VMS, _CTX_VCPUS, _CTX_VCPU_UNKNOWN = t.CTX_VMS, t.CTX_VCPUS, t.CTX_VCPU_UNKNOWN
_CTX_IDLE, _CTX_UNKNOWN = t.CTX_IDLE, t.CTX_UNKNOWN
_CH_V, _CH_M, _CH_COLON, _CH_0, _CH_9 = t.CH_V, t.CH_M, t.CH_COLON, t.CH_0, t.CH_9
_IDLE_NAME = t.IDLE_NAME
_SCHED_VMS, _SCHED_IDLE, _SCHED_UNKNOWN = t.SCHED_VMS, t.SCHED_IDLE, t.SCHED_UNKNOWN


@njit(cache=True, nogil=True)
def _sched_name_vm(name4):
    """VM id of a 4-byte thread-name prefix: 0-99 for "vm<d>:" / "vm<dd>", -1 for "idle", -2 else."""
    b0 = name4 & 0xFF
    b1 = (name4 >> 8) & 0xFF
    b2 = (name4 >> 16) & 0xFF
    b3 = (name4 >> 24) & 0xFF
    if b0 == _CH_V and b1 == _CH_M and _CH_0 <= b2 <= _CH_9:
        if b3 == _CH_COLON:
            return b2 - _CH_0
        if _CH_0 <= b3 <= _CH_9:
            return (b2 - _CH_0) * 10 + (b3 - _CH_0)
        return -2
    if name4 == _IDLE_NAME:
        return -1
    return -2


@njit(cache=True, nogil=True)
def _sched_ctx(e):
    vm = _sched_name_vm((e >> 32) & 0xFFFFFFFF)
    if vm == -1:
        return _CTX_IDLE
    if 0 <= vm < _CTX_VMS:
        return vm * _CTX_VCPUS + _CTX_VCPU_UNKNOWN
    return _CTX_UNKNOWN


@njit(cache=True, nogil=True)
def _vcpu_ctx(e):
    vm = e & 0xFFFFFFFF
    vcpu = (e >> 32) & 0xFFFFFFFF
    if vm < _CTX_VMS and vcpu < _CTX_VCPU_UNKNOWN:
        return vm * _CTX_VCPUS + vcpu
    return _CTX_UNKNOWN


@njit(cache=True, nogil=True)
def vm_exit_chunk(w, st, counters, exits, completed, exit_cycles, compat_events, compat_cycles,
                  ctx_exits, ctx_exit_cycles, ctx_guest_cycles, handler_slot, known_small,
                  durations, dur_reasons, want_durations):
    """Scan records ``w`` (an (n, 4) int64 view) of one pCPU, continuing from state ``st``.

    Adds into the accumulator arrays (see :class:`acrn.trace.results.VmExitStats`), updates ``st`` and
    returns how many exit durations it wrote into ``durations``/``dur_reasons`` (when ``want_durations``).
    """
    n = w.shape[0]
    prev_tsc = st[0]
    have_prev = st[1] != 0
    last_kind = st[2]
    last_tsc = st[3]
    last_reason = st[4]
    last_ctx = st[5]
    ctx = st[6]
    started = st[7] != 0
    begin = st[8]
    end = st[9]
    c_slot = st[10]
    c_exit_tsc = st[11]
    nd = 0
    for i in range(n):
        tsc = w[i, 0]
        eid = w[i, 1] & _ID_MASK
        if have_prev and tsc < prev_tsc:
            counters[4] += 1  # C_NONMONOTONIC
        prev_tsc = tsc
        have_prev = True
        if eid == _VM_EXIT:
            reason = w[i, 2] & _REASON_MASK
            exits[reason] += 1
            ctx_exits[ctx] += 1
            if last_kind == _KIND_EXIT:
                counters[0] += 1  # C_EXIT_WITHOUT_ENTER
            elif last_kind == _KIND_ENTER:
                d = tsc - last_tsc
                if d >= 0:
                    ctx_guest_cycles[last_ctx] += d
                else:
                    counters[10] += 1  # C_NEGATIVE_GUEST
            last_kind = _KIND_EXIT
            last_tsc = tsc
            last_reason = reason
            last_ctx = ctx
            if not started:
                started = True
                begin = tsc
            c_exit_tsc = tsc
        elif eid == _VM_ENTER:
            if started:
                end = tsc
                if c_slot >= 0:
                    compat_cycles[c_slot] += tsc - c_exit_tsc
                else:
                    counters[7] += 1  # C_COMPAT_UNATTRIBUTED_ENTERS
                    counters[8] += tsc - c_exit_tsc
                if last_kind == _KIND_EXIT:
                    d = tsc - last_tsc
                    if d >= 0:
                        exit_cycles[last_reason] += d
                        completed[last_reason] += 1
                        ctx_exit_cycles[last_ctx] += d
                        if want_durations:
                            durations[nd] = d
                            dur_reasons[nd] = last_reason
                            nd += 1
                    else:
                        counters[3] += 1  # C_NEGATIVE_DURATION
                else:
                    counters[1] += 1  # C_ENTER_WITHOUT_EXIT
            else:
                counters[2] += 1  # C_ENTER_BEFORE_FIRST_EXIT
            last_kind = _KIND_ENTER
            last_tsc = tsc
            last_reason = 0
            last_ctx = ctx
        elif eid < 256:
            if eid == _SCHED_NEXT:
                ctx = _sched_ctx(w[i, 2])
            elif not known_small[eid]:
                counters[5] += 1
                if counters[6] < 0:
                    counters[6] = eid
        elif _HANDLER_FIRST <= eid <= _HANDLER_LAST:
            slot = handler_slot[eid - _HANDLER_FIRST]
            if slot >= 0:
                if started:
                    compat_events[slot] += 1
                    c_slot = slot
                else:
                    counters[11] += 1  # C_HANDLER_BEFORE_FIRST_EXIT
            else:
                counters[5] += 1
                if counters[6] < 0:
                    counters[6] = eid
        elif eid == _VCPU_RUN:
            ctx = _vcpu_ctx(w[i, 2])
        elif eid == _TSC_FREQ:
            counters[9] = w[i, 2]
        elif not (_MODEL_FIRST <= eid <= _MODEL_LAST):
            counters[5] += 1
            if counters[6] < 0:
                counters[6] = eid
    st[0] = prev_tsc
    st[1] = 1 if have_prev else 0
    st[2] = last_kind
    st[3] = last_tsc
    st[4] = last_reason
    st[5] = last_ctx
    st[6] = ctx
    st[7] = 1 if started else 0
    st[8] = begin
    st[9] = end
    st[10] = c_slot
    st[11] = c_exit_tsc
    return nd


@njit(cache=True, nogil=True)
def sched_scan(w, compat, slot_time, sc):
    """cpu_usage over one pCPU's records (cpuusage_analyze.py ``process_trace_data``).

    ``slot_time[vm]`` gets the cycles each VM (0-99), idle (100) or an unparsable name (101) ran, from
    the chain of TRACE_SCHED_NEXT records; ``sc`` the SC_* counters.  ``compat`` stops at the first
    record with TSC 0 and counts items as acrnalyze does; otherwise such records are skipped.
    """
    n = w.shape[0]
    items = 0
    nsched = 0
    begin = 0
    end = 0
    have = False
    last_sched = 0
    next_last = 0
    stopped = False
    for i in range(n):
        tsc = w[i, 0]
        if tsc == 0:
            sc[6] += 1  # SC_ZERO_TSC
            if compat:
                stopped = True
                items = i + 1
                break
            continue
        end = tsc
        if not have:
            have = True
            begin = tsc
            last_sched = tsc
        if (w[i, 1] & _ID_MASK) == _SCHED_NEXT:
            e = w[i, 2]
            prev = _sched_name_vm(e & 0xFFFFFFFF)
            nxt = _sched_name_vm((e >> 32) & 0xFFFFFFFF)
            if prev == -1:
                prev = _SCHED_IDLE
            elif prev < 0:
                prev = _SCHED_UNKNOWN
                sc[7] += 1
            if nxt == -1:
                nxt = _SCHED_IDLE
            elif nxt < 0:
                nxt = _SCHED_UNKNOWN
                sc[7] += 1
            if nsched == 0 or prev == next_last:
                slot_time[prev] += tsc - last_sched
            else:
                sc[4] += tsc - last_sched  # SC_AMBIGUOUS
                sc[5] += 1  # SC_CHAIN_BREAKS
            last_sched = tsc
            next_last = nxt
            nsched += 1
    if nsched > 0:
        slot_time[next_last] += end - last_sched
    if compat:
        sc[0] = items if stopped else n + 1
    else:
        sc[0] = n
    sc[1] = nsched
    sc[2] = begin
    sc[3] = end


def prepare(w: np.ndarray) -> np.ndarray:
    """``w`` as the kernels take it: C-contiguous int64, read-only (one compiled specialisation for
    memory-mapped captures and in-memory arrays alike)."""
    w = np.ascontiguousarray(w, dtype=np.int64)
    if w.flags.writeable:
        w = w.view()
        w.flags.writeable = False
    return w


_EMPTY = np.zeros(0, np.int64)


def vm_exit_scan_chunk(w, st, stats, want_durations=False):
    """Run :func:`vm_exit_chunk` on ``w`` into ``stats`` (a :class:`acrn.trace.results.VmExitStats`);
    returns (durations, reasons) arrays when ``want_durations``."""
    w = prepare(w)
    if want_durations:
        dur = np.empty(w.shape[0], np.int64)
        rea = np.empty(w.shape[0], np.int64)
    else:
        dur = rea = _EMPTY
    nd = vm_exit_chunk(w, st, stats.counters, stats.exits, stats.completed, stats.exit_cycles,
                       stats.compat_events, stats.compat_cycles, stats.ctx_exits, stats.ctx_exit_cycles,
                       stats.ctx_guest_cycles, t.HANDLER_SLOT, t.KNOWN_SMALL, dur, rea, want_durations)
    return (dur[:nd].copy(), rea[:nd].copy()) if want_durations else None


def sched_scan_file(w, compat: bool):
    """(slot_time, sc) of one pCPU's records."""
    slot_time = np.zeros(t.N_SCHED_SLOTS, np.int64)
    sc = np.zeros(t.N_SC, np.int64)
    sched_scan(prepare(w), compat, slot_time, sc)
    return slot_time, sc


def warm() -> None:
    """Load the compiled vm_exit kernel (from the on-disk cache, else compile it) without scanning."""
    from acrn.trace.results import VmExitStats

    vm_exit_scan_chunk(np.zeros((0, 4), np.int64), t.new_state(), VmExitStats())
