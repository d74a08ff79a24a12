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
# Counter and state slots (numba freezes these module globals into the compiled code)
_C_EXIT_WITHOUT_ENTER = t.C_EXIT_WITHOUT_ENTER
_C_ENTER_WITHOUT_EXIT = t.C_ENTER_WITHOUT_EXIT
_C_ENTER_BEFORE_FIRST_EXIT = t.C_ENTER_BEFORE_FIRST_EXIT
_C_NEGATIVE_DURATION = t.C_NEGATIVE_DURATION
_C_NONMONOTONIC = t.C_NONMONOTONIC
_C_UNKNOWN_IDS = t.C_UNKNOWN_IDS
_C_FIRST_UNKNOWN_ID = t.C_FIRST_UNKNOWN_ID
_C_COMPAT_UNATTR_ENTERS = t.C_COMPAT_UNATTRIBUTED_ENTERS
_C_COMPAT_UNATTR_CYCLES = t.C_COMPAT_UNATTRIBUTED_CYCLES
_C_TSC_KHZ = t.C_TSC_KHZ
_C_NEGATIVE_GUEST = t.C_NEGATIVE_GUEST
_C_HANDLER_BEFORE_FIRST_EXIT = t.C_HANDLER_BEFORE_FIRST_EXIT
_S_PREV_TSC, _S_HAVE_PREV, _S_LAST_KIND, _S_LAST_TSC = t.S_PREV_TSC, t.S_HAVE_PREV, t.S_LAST_KIND, t.S_LAST_TSC
_S_LAST_REASON, _S_LAST_CTX, _S_CTX, _S_STARTED = t.S_LAST_REASON, t.S_LAST_CTX, t.S_CTX, t.S_STARTED
_S_BEGIN, _S_END = t.S_BEGIN, t.S_END
_S_COMPAT_SLOT, _S_COMPAT_EXIT_TSC = t.S_COMPAT_SLOT, t.S_COMPAT_EXIT_TSC
_SC_ITEMS, _SC_SCHED, _SC_BEGIN, _SC_END = t.SC_ITEMS, t.SC_SCHED, t.SC_BEGIN, t.SC_END
_SC_AMBIGUOUS, _SC_CHAIN_BREAKS = t.SC_AMBIGUOUS, t.SC_CHAIN_BREAKS
_SC_ZERO_TSC, _SC_BAD_NAMES = t.SC_ZERO_TSC, t.SC_BAD_NAMES


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
    prev_tsc = st[_S_PREV_TSC]
    have_prev = st[_S_HAVE_PREV] != 0
    last_kind = st[_S_LAST_KIND]
    last_tsc = st[_S_LAST_TSC]
    last_reason = st[_S_LAST_REASON]
    last_ctx = st[_S_LAST_CTX]
    ctx = st[_S_CTX]
    started = st[_S_STARTED] != 0
    begin = st[_S_BEGIN]
    end = st[_S_END]
    c_slot = st[_S_COMPAT_SLOT]
    c_exit_tsc = st[_S_COMPAT_EXIT_TSC]
    nd = 0
    for i in range(n):
        tsc = w[i, 0]
        eid = w[i, 1] & _ID_MASK
        if have_prev and tsc < prev_tsc:
            counters[_C_NONMONOTONIC] += 1
        prev_tsc = tsc
        have_prev = True
        if eid == _VM_EXIT:
            reason = w[i, 2] & _REASON_MASK
            exits[reason] += 1
            ctx_exits[ctx] += 1
            if last_kind == _KIND_EXIT:
                counters[_C_EXIT_WITHOUT_ENTER] += 1
            elif last_kind == _KIND_ENTER:
                d = tsc - last_tsc
                if d >= 0:
                    ctx_guest_cycles[last_ctx] += d
                else:
                    counters[_C_NEGATIVE_GUEST] += 1
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
                    counters[_C_COMPAT_UNATTR_ENTERS] += 1
                    counters[_C_COMPAT_UNATTR_CYCLES] += tsc - c_exit_tsc
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
                        counters[_C_NEGATIVE_DURATION] += 1
                else:
                    counters[_C_ENTER_WITHOUT_EXIT] += 1
            else:
                counters[_C_ENTER_BEFORE_FIRST_EXIT] += 1
            last_kind = _KIND_ENTER
            last_tsc = tsc
            last_reason = 0
            last_ctx = ctx
        elif eid < 256:
            if eid == _SCHED_NEXT:
                ctx = _sched_ctx(w[i, 2])
            elif not known_small[eid]:
                counters[_C_UNKNOWN_IDS] += 1
                if counters[_C_FIRST_UNKNOWN_ID] < 0:
                    counters[_C_FIRST_UNKNOWN_ID] = eid
        elif _HANDLER_FIRST <= eid <= _HANDLER_LAST:
            slot = handler_slot[eid - _HANDLER_FIRST]
            if slot >= 0:
                if started:
                    compat_events[slot] += 1
                    c_slot = slot
                else:
                    counters[_C_HANDLER_BEFORE_FIRST_EXIT] += 1
            else:
                counters[_C_UNKNOWN_IDS] += 1
                if counters[_C_FIRST_UNKNOWN_ID] < 0:
                    counters[_C_FIRST_UNKNOWN_ID] = eid
        elif eid == _VCPU_RUN:
            ctx = _vcpu_ctx(w[i, 2])
        elif eid == _TSC_FREQ:
            counters[_C_TSC_KHZ] = w[i, 2]
        elif not (_MODEL_FIRST <= eid <= _MODEL_LAST):
            counters[_C_UNKNOWN_IDS] += 1
            if counters[_C_FIRST_UNKNOWN_ID] < 0:
                counters[_C_FIRST_UNKNOWN_ID] = eid
    st[_S_PREV_TSC] = prev_tsc
    st[_S_HAVE_PREV] = 1 if have_prev else 0
    st[_S_LAST_KIND] = last_kind
    st[_S_LAST_TSC] = last_tsc
    st[_S_LAST_REASON] = last_reason
    st[_S_LAST_CTX] = last_ctx
    st[_S_CTX] = ctx
    st[_S_STARTED] = 1 if started else 0
    st[_S_BEGIN] = begin
    st[_S_END] = end
    st[_S_COMPAT_SLOT] = c_slot
    st[_S_COMPAT_EXIT_TSC] = c_exit_tsc
    return nd


@njit(cache=True, nogil=True)
def sched_scan(w, compat, slot_time, sc):
    """cpu_usage over one pCPU's records (cpuusage_analyze.py ``process_trace_data``).

    ``slot_time[vm]`` gets the cycles each VM (0-99), idle (100) or an unparsable name (101) ran, from
    the chain of TRACE_SCHED_NEXT records; ``sc`` the SC_* counters.  ``compat`` stops at the first
    record with TSC 0 and counts items as acrnalyze does (a model clock starts at 0, so otherwise TSC 0
    is an ordinary time).
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
        if compat and tsc == 0:
            sc[_SC_ZERO_TSC] = 1
            stopped = True
            items = i + 1
            break
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
                sc[_SC_BAD_NAMES] += 1
            if nxt == -1:
                nxt = _SCHED_IDLE
            elif nxt < 0:
                nxt = _SCHED_UNKNOWN
                sc[_SC_BAD_NAMES] += 1
            if nsched == 0 or prev == next_last:
                slot_time[prev] += tsc - last_sched
            else:
                sc[_SC_AMBIGUOUS] += tsc - last_sched
                sc[_SC_CHAIN_BREAKS] += 1
            last_sched = tsc
            next_last = nxt
            nsched += 1
    if nsched > 0:
        slot_time[next_last] += end - last_sched
    if compat:
        sc[_SC_ITEMS] = items if stopped else n + 1
    else:
        sc[_SC_ITEMS] = n
    sc[_SC_SCHED] = nsched
    sc[_SC_BEGIN] = begin
    sc[_SC_END] = end


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
