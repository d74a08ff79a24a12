# cython: boundscheck=False, wraparound=False, initializedcheck=False
"""The per-record scans, as plain loops: one source, two compilers.

Compiled by Cython at install time (types in ``scan.pxd``: ``acrn.trace.scan`` is then a C extension
that loads in microseconds, so a one-shot ``analyze`` pays no JIT start-up), and by numba from the same
source (:mod:`acrn.trace.kernels`).  Interpreted (``ACRN_MODEL_PURE=1``) the same loops run as Python.
Each scan has a numpy twin in :mod:`acrn.trace.reference`; tests check that they fill identical arrays.

The loops read like acrnalyze's (vmexit_analyze.py ``parse_trace_data``, cpuusage_analyze.py
``process_trace_data``) and do both attributions in the same pass: exact (by the exit reason in the
VM_EXIT payload) and acrnalyze's (by the last TRACE_VMEXIT_* event seen).

Everything here is on int64 values (a record viewed as four int64 words); the arrays come from
:mod:`acrn.trace.tables` (state, counters) and :class:`acrn.trace.results.VmExitStats`.
"""
import cython

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
_EXT_INT = ev.TRACE_VMEXIT_EXTERNAL_INTERRUPT
_IRQ_VECTORS = t.IRQ_VECTORS
_IRQ_SEEN = t.IRQ_SEEN
_IRQ_HAVE_BEGIN = t.IRQ_HAVE_BEGIN
_IRQ_BEGIN = t.IRQ_BEGIN
_IRQ_END = t.IRQ_END
_IRQ_NONMONOTONIC = t.IRQ_NONMONOTONIC
_TSC_FREQ = ev.MODEL_TSC_FREQ
_MODEL_FIRST = ev.MODEL_EVENT_BASE + 1
_MODEL_LAST = ev.MODEL_EVENT_LAST
_REASON_MASK = t.REASON_MASK
_KIND_EXIT = t.KIND_EXIT
_KIND_ENTER = t.KIND_ENTER
_CTX_VMS = t.CTX_VMS
_CTX_VCPUS = t.CTX_VCPUS
_CTX_VCPU_UNKNOWN = t.CTX_VCPU_UNKNOWN
_CTX_IDLE = t.CTX_IDLE
_CTX_UNKNOWN = t.CTX_UNKNOWN
_CH_V = t.CH_V
_CH_M = t.CH_M
_CH_COLON = t.CH_COLON
_CH_0 = t.CH_0
_CH_9 = t.CH_9
_IDLE_NAME = t.IDLE_NAME
_SCHED_IDLE = t.SCHED_IDLE
_SCHED_UNKNOWN = t.SCHED_UNKNOWN
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
_C_TSC_HIGH = t.C_TSC_HIGH
_C_OVERFLOW = t.C_OVERFLOW
_S_PREV_TSC = t.S_PREV_TSC
_S_HAVE_PREV = t.S_HAVE_PREV
_S_LAST_KIND = t.S_LAST_KIND
_S_LAST_TSC = t.S_LAST_TSC
_S_LAST_REASON = t.S_LAST_REASON
_S_LAST_CTX = t.S_LAST_CTX
_S_CTX = t.S_CTX
_S_STARTED = t.S_STARTED
_S_BEGIN = t.S_BEGIN
_S_END = t.S_END
_S_COMPAT_SLOT = t.S_COMPAT_SLOT
_S_COMPAT_EXIT_TSC = t.S_COMPAT_EXIT_TSC
_SC_ITEMS = t.SC_ITEMS
_SC_SCHED = t.SC_SCHED
_SC_BEGIN = t.SC_BEGIN
_SC_END = t.SC_END
_SC_AMBIGUOUS = t.SC_AMBIGUOUS
_SC_CHAIN_BREAKS = t.SC_CHAIN_BREAKS
_SC_ZERO_TSC = t.SC_ZERO_TSC
_SC_BAD_NAMES = t.SC_BAD_NAMES
_SC_STARTED = t.SC_STARTED
_SC_LAST_SCHED = t.SC_LAST_SCHED
_SC_NEXT_LAST = t.SC_NEXT_LAST
_SC_STOPPED = t.SC_STOPPED
_SC_SEEN = t.SC_SEEN
_SC_TSC_HIGH = t.SC_TSC_HIGH
_SC_OVERFLOW = t.SC_OVERFLOW
_SC_NONMONOTONIC = t.SC_NONMONOTONIC
_U32 = 0xFFFFFFFF
#: Compiled by Cython (the loops then prefetch: acrn_prefetch, declared in scan.pxd); a constant that the
#: numba build prunes its branches on, so the C call is never typed there.
_COMPILED = cython.compiled
#: How far ahead of the record being read the compiled vm_exit loop prefetches, in int64 words.
PREFETCH_WORDS = 512  # 4 KiB: a page ahead (measured: 256 and 512 alike, +10 % over none)
_I64_MAX = 0x7FFFFFFFFFFFFFFF
_I64_MIN = -0x7FFFFFFFFFFFFFFF - 1


def sched_name_vm(name4):
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


def sched_ctx(e):
    """The context a TRACE_SCHED_NEXT payload switches to (its VM, vCPU unknown)."""
    vm = sched_name_vm((e >> 32) & _U32)
    if vm == -1:
        return _CTX_IDLE
    if 0 <= vm < _CTX_VMS:
        return vm * _CTX_VCPUS + _CTX_VCPU_UNKNOWN
    return _CTX_UNKNOWN


def vcpu_ctx(e):
    """The context of a VCPU_RUN payload (a = VM id, b = vCPU id)."""
    vm = e & _U32
    vcpu = (e >> 32) & _U32
    if vm < _CTX_VMS and vcpu < _CTX_VCPU_UNKNOWN:
        return vm * _CTX_VCPUS + vcpu
    return _CTX_UNKNOWN


def sat_add(cur, d):
    """``cur + d``, kept at the int64 limits instead of wrapping; the caller sees a saturated sum as
    ``result - d != cur`` and counts it (the reports warn)."""
    if d >= 0:
        if cur > _I64_MAX - d:
            return _I64_MAX
    elif cur < _I64_MIN - d:
        return _I64_MIN
    return cur + d


def vm_exit_chunk(w, st, counters, exits, completed, exit_cycles, compat_events, compat_cycles,
                  ctx_exits, ctx_exit_cycles, ctx_guest_cycles, handler_slot, known_small,
                  durations, dur_reasons, want_durations):
    """Scan records ``w`` (the (n, 4) int64 words, flattened: record i is ``w[4 * i:4 * i + 4]``) of one
    pCPU, continuing from state ``st``.

    Adds into the accumulator arrays (see :class:`acrn.trace.results.VmExitStats`), updates ``st`` and
    returns how many exit durations it wrote into ``durations``/``dur_reasons`` (when ``want_durations``).
    """
    n = w.shape[0] // 4
    # The constants the loop tests, as locals: compiled, a module-level C long may alias any long* store
    # (the accumulators), so it would be reloaded after each; a local stays in a register.  For the same
    # reason the records come as a flat array (a 2-D view's strides would be reloaded too).
    vm_exit = _VM_EXIT
    vm_enter = _VM_ENTER
    id_mask = _ID_MASK
    reason_mask = _REASON_MASK
    kind_exit = _KIND_EXIT
    kind_enter = _KIND_ENTER
    handler_first = _HANDLER_FIRST
    handler_last = _HANDLER_LAST
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
    i64_max = _I64_MAX
    compiled = _COMPILED
    pf = PREFETCH_WORDS
    if n > 0 and not have_prev:
        prev_tsc = w[0]  # the first record of a file follows nothing
        have_prev = True
    nonmono = 0
    tsc_high = 0
    overflow = 0
    nd = 0
    i = 0
    while i < n:
        if last_kind == kind_enter and c_slot >= 0 and last_ctx == ctx and prev_tsc == last_tsc:
            # The fast path: in the guest (the last record a TRACE_VM_ENTER after the first exit, so
            # end == last_tsc), the same context, a TRACE_VMEXIT_* event seen.  It takes whole groups TRACE_VM_EXIT [TRACE_VMEXIT_* with a slot] TRACE_VM_ENTER
            # whose TSCs do not go backwards and whose sums stay below the int64 limit, and counts each
            # as the general path below would, with the context's three sums in locals (the general
            # path's tests and state updates are then known; about 3x fewer instructions per record).
            # It stops before the first record of any other group, for the general path to take.
            g_exits = ctx_exits[ctx]
            g_exit_cycles = ctx_exit_cycles[ctx]
            g_guest = ctx_guest_cycles[ctx]
            while i + 1 < n:
                b = 4 * i
                if compiled:
                    # a group is 64-128 bytes: two cache lines ahead (prefetches do not fault, so
                    # past the end of the buffer is fine)
                    acrn_prefetch(cython.address(w[b + pf]))
                    acrn_prefetch(cython.address(w[b + pf + 8]))
                if (w[b + 1] & id_mask) != vm_exit:
                    break
                tsc0 = w[b]
                dg = tsc0 - last_tsc
                if tsc0 < 0 or dg < 0 or g_guest > i64_max - dg:
                    break
                eid = w[b + 5] & id_mask
                k = 1  # records from the TRACE_VM_EXIT to the TRACE_VM_ENTER
                slot = c_slot
                if handler_first <= eid <= handler_last:
                    slot = handler_slot[eid - handler_first]
                    if slot < 0 or w[b + 4] < tsc0 or i + 2 >= n:
                        break
                    k = 2
                    eid = w[b + 9] & id_mask
                if eid != vm_enter:
                    break
                tsc = w[b + 4 * k]
                if tsc < w[b + 4 * k - 4]:
                    break
                d = tsc - tsc0
                x = i64_max - d
                reason = w[b + 2] & reason_mask
                if exit_cycles[reason] > x or g_exit_cycles > x or compat_cycles[slot] > x:
                    break
                exits[reason] += 1
                g_exits += 1
                g_guest += dg
                if k == 2:
                    compat_events[slot] += 1
                    c_slot = slot
                exit_cycles[reason] += d
                completed[reason] += 1
                g_exit_cycles += d
                compat_cycles[slot] += d
                if want_durations:
                    durations[nd] = d
                    dur_reasons[nd] = reason
                    nd += 1
                c_exit_tsc = tsc0
                last_tsc = tsc
                i += k + 1
            prev_tsc = last_tsc
            end = last_tsc
            ctx_exits[ctx] = g_exits
            ctx_exit_cycles[ctx] = g_exit_cycles
            ctx_guest_cycles[ctx] = g_guest
            if i >= n:
                break
        # the general path: one record
        tsc = w[4 * i]
        eid = w[4 * i + 1] & id_mask
        # counted without a branch (a compare added as 0 or 1); the sums of a d >= 0 below saturate
        # with one compare (``sat_add``'s two tests and the check after it took about a third of the
        # numba build's loop on alternating exits and entries; the Cython build is about as fast)
        nonmono += tsc < prev_tsc
        tsc_high += tsc < 0
        prev_tsc = tsc
        if eid == vm_exit:
            reason = w[4 * i + 2] & reason_mask
            exits[reason] += 1
            ctx_exits[ctx] += 1
            if last_kind == kind_exit:
                counters[_C_EXIT_WITHOUT_ENTER] += 1
            elif last_kind == kind_enter:
                d = tsc - last_tsc
                if d >= 0:
                    x = ctx_guest_cycles[last_ctx]
                    if x > i64_max - d:
                        overflow += 1
                        ctx_guest_cycles[last_ctx] = i64_max
                    else:
                        ctx_guest_cycles[last_ctx] = x + d
                else:
                    counters[_C_NEGATIVE_GUEST] += 1
            last_kind = kind_exit
            last_tsc = tsc
            last_reason = reason
            last_ctx = ctx
            if not started:
                started = True
                begin = tsc
            c_exit_tsc = tsc
        elif eid == vm_enter:
            if started:
                end = tsc
                dc = tsc - c_exit_tsc
                if c_slot >= 0:
                    x = sat_add(compat_cycles[c_slot], dc)
                    if x - dc != compat_cycles[c_slot]:
                        overflow += 1
                    compat_cycles[c_slot] = x
                else:
                    counters[_C_COMPAT_UNATTR_ENTERS] += 1
                    x = sat_add(counters[_C_COMPAT_UNATTR_CYCLES], dc)
                    if x - dc != counters[_C_COMPAT_UNATTR_CYCLES]:
                        overflow += 1
                    counters[_C_COMPAT_UNATTR_CYCLES] = x
                if last_kind == kind_exit:
                    d = tsc - last_tsc
                    if d >= 0:
                        x = exit_cycles[last_reason]
                        if x > i64_max - d:
                            overflow += 1
                            exit_cycles[last_reason] = i64_max
                        else:
                            exit_cycles[last_reason] = x + d
                        completed[last_reason] += 1
                        x = ctx_exit_cycles[last_ctx]
                        if x > i64_max - d:
                            overflow += 1
                            ctx_exit_cycles[last_ctx] = i64_max
                        else:
                            ctx_exit_cycles[last_ctx] = x + d
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
            last_kind = kind_enter
            last_tsc = tsc
            last_reason = 0
            last_ctx = ctx
        elif handler_first <= eid <= handler_last:
            slot = handler_slot[eid - handler_first]
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
        elif eid < 256:
            if eid == _SCHED_NEXT:
                ctx = sched_ctx(w[4 * i + 2])
            elif not known_small[eid]:
                counters[_C_UNKNOWN_IDS] += 1
                if counters[_C_FIRST_UNKNOWN_ID] < 0:
                    counters[_C_FIRST_UNKNOWN_ID] = eid
        elif eid == _VCPU_RUN:
            ctx = vcpu_ctx(w[4 * i + 2])
        elif eid == _TSC_FREQ:
            counters[_C_TSC_KHZ] = w[4 * i + 2]
        elif not (_MODEL_FIRST <= eid <= _MODEL_LAST):
            counters[_C_UNKNOWN_IDS] += 1
            if counters[_C_FIRST_UNKNOWN_ID] < 0:
                counters[_C_FIRST_UNKNOWN_ID] = eid
        i += 1
    counters[_C_NONMONOTONIC] += nonmono
    counters[_C_TSC_HIGH] += tsc_high
    counters[_C_OVERFLOW] += overflow
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


def vm_exit_chunk_nogil(w, st, counters, exits, completed, exit_cycles, compat_events, compat_cycles,
                        ctx_exits, ctx_exit_cycles, ctx_guest_cycles, handler_slot, known_small,
                        durations, dur_reasons, want_durations):
    """:func:`vm_exit_chunk` with the GIL released (compiled), so that pCPU files scan on threads."""
    with cython.nogil:
        nd = vm_exit_chunk(w, st, counters, exits, completed, exit_cycles, compat_events, compat_cycles,
                           ctx_exits, ctx_exit_cycles, ctx_guest_cycles, handler_slot, known_small,
                           durations, dur_reasons, want_durations)
    return nd


def irq_chunk(w, compat, counts, first, other_pos, st):
    """irq (irq_analyze.py ``parse_trace``) over records ``w`` of one pCPU, continuing from the IRQ_*
    state ``st``: ``counts[v]``/``first[v]`` (record index of the first one) of the external-interrupt
    exits per host vector ``v`` below IRQ_VECTORS; the positions in ``w`` of those with another payload go
    to ``other_pos``, and their number is returned.  ``compat`` takes the first non-zero TSC as the start,
    as irq_analyze.py does."""
    n = w.shape[0]
    base = st[_IRQ_SEEN]
    have_begin = st[_IRQ_HAVE_BEGIN] != 0
    no = 0
    prev = st[_IRQ_END]
    nonmono = 0
    for i in range(n):
        tsc = w[i, 0]
        if tsc < prev and (base + i) > 0:
            nonmono += 1
        prev = tsc
        if not have_begin:
            if tsc != 0 or not compat:
                st[_IRQ_BEGIN] = tsc
                have_begin = True
        if (w[i, 1] & _ID_MASK) == _EXT_INT:
            v = w[i, 2]
            if 0 <= v < _IRQ_VECTORS:
                if counts[v] == 0:
                    first[v] = base + i
                counts[v] += 1
            else:
                other_pos[no] = i
                no += 1
    if n > 0:
        st[_IRQ_END] = w[n - 1, 0]
    st[_IRQ_NONMONOTONIC] += nonmono
    st[_IRQ_SEEN] = base + n
    st[_IRQ_HAVE_BEGIN] = 1 if have_begin else 0
    return no


def irq_chunk_nogil(w, compat, counts, first, other_pos, st):
    """:func:`irq_chunk` with the GIL released (compiled), so that pCPU files scan on threads."""
    with cython.nogil:
        no = irq_chunk(w, compat, counts, first, other_pos, st)
    return no


def sched_slot(name4):
    """The cpu_usage slot of a thread-name prefix: a VM 0-99, SCHED_IDLE, or SCHED_UNKNOWN."""
    vm = sched_name_vm(name4)
    if vm == -1:
        return _SCHED_IDLE
    if vm < 0:
        return _SCHED_UNKNOWN
    return vm


def sched_chunk(w, compat, slot_time, sc):
    """cpu_usage over records ``w`` of one pCPU (cpuusage_analyze.py ``process_trace_data``), continuing
    from the SC_* state in ``sc``; :func:`sched_finish` closes the file.

    ``slot_time[vm]`` gets the cycles each VM (0-99), idle (100) or an unparsable name (101) ran, from
    the chain of TRACE_SCHED_NEXT records.  ``compat`` stops at the first record with TSC 0 and counts
    items as acrnalyze does (a model clock starts at 0, so otherwise TSC 0 is an ordinary time).
    """
    n = w.shape[0]
    if sc[_SC_STOPPED] != 0:
        return
    have = sc[_SC_STARTED] != 0
    begin = sc[_SC_BEGIN]
    end = sc[_SC_END]
    last_sched = sc[_SC_LAST_SCHED]
    next_last = sc[_SC_NEXT_LAST]
    nsched = sc[_SC_SCHED]
    seen = sc[_SC_SEEN]
    for i in range(n):
        tsc = w[i, 0]
        if compat and tsc == 0:
            sc[_SC_ZERO_TSC] = 1
            sc[_SC_STOPPED] = 1
            seen += i + 1
            break
        if tsc < 0:
            sc[_SC_TSC_HIGH] += 1
        if have and tsc < end:
            sc[_SC_NONMONOTONIC] += 1
        end = tsc
        if not have:
            have = True
            begin = tsc
            last_sched = tsc
        if (w[i, 1] & _ID_MASK) == _SCHED_NEXT:
            e = w[i, 2]
            prev = sched_slot(e & _U32)
            nxt = sched_slot((e >> 32) & _U32)
            if prev == _SCHED_UNKNOWN:
                sc[_SC_BAD_NAMES] += 1
            if nxt == _SCHED_UNKNOWN:
                sc[_SC_BAD_NAMES] += 1
            d = tsc - last_sched
            if nsched == 0 or prev == next_last:
                x = sat_add(slot_time[prev], d)
                if x - d != slot_time[prev]:
                    sc[_SC_OVERFLOW] += 1
                slot_time[prev] = x
            else:
                sc[_SC_AMBIGUOUS] += d
                sc[_SC_CHAIN_BREAKS] += 1
            last_sched = tsc
            next_last = nxt
            nsched += 1
    if sc[_SC_STOPPED] == 0:
        seen += n
    sc[_SC_STARTED] = 1 if have else 0
    sc[_SC_BEGIN] = begin
    sc[_SC_END] = end
    sc[_SC_LAST_SCHED] = last_sched
    sc[_SC_NEXT_LAST] = next_last
    sc[_SC_SCHED] = nsched
    sc[_SC_SEEN] = seen


def sched_chunk_nogil(w, compat, slot_time, sc):
    """:func:`sched_chunk` with the GIL released (compiled), so that pCPU files scan on threads."""
    with cython.nogil:
        sched_chunk(w, compat, slot_time, sc)


def sched_finish(compat, slot_time, sc):
    """Close a file's cpu_usage scan: the last thread runs to the last record; SC_ITEMS as acrnalyze
    counts them in ``compat`` (one more than it read, when it read to the end)."""
    if sc[_SC_SCHED] > 0:
        slot = sc[_SC_NEXT_LAST]
        d = sc[_SC_END] - sc[_SC_LAST_SCHED]
        x = sat_add(slot_time[slot], d)
        if x - d != slot_time[slot]:
            sc[_SC_OVERFLOW] += 1
        slot_time[slot] = x
    if compat and sc[_SC_STOPPED] == 0:
        sc[_SC_ITEMS] = sc[_SC_SEEN] + 1
    else:
        sc[_SC_ITEMS] = sc[_SC_SEEN]


def add_into(dst, src):
    """``dst[i] += src[i]`` (kept at the int64 limits, as :func:`sat_add`) for every ``i`` of two int64
    arrays of one length: the sums of per-pCPU stats."""
    for i in range(len(src)):
        dst[i] = sat_add(dst[i], src[i])


def nonzero_of(a, b, c):
    """The indices ``i`` (ascending) where ``a[i]``, ``b[i]`` or ``c[i]`` is non-zero: the rows a report
    shows of its 65536 exit reasons or 4098 contexts."""
    out = []
    for i in range(len(a)):
        if a[i] != 0 or b[i] != 0 or c[i] != 0:
            out.append(i)
    return out
