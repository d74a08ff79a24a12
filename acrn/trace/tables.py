"""Lookup tables, context numbering and the state/counter layout shared by the record loops
(:mod:`acrn.trace.scan`, built by Cython and by numba) and the numpy references (:mod:`acrn.trace.reference`).

Both implementations fill the same arrays, so they can be compared element by element and either can
resume the other's scan (state is carried between chunks of a file in a small int64 array).  The arrays
are ``array.array("l")`` (int64 on the 64-bit Linux this targets), not numpy arrays: the reports of a
small capture never import numpy (its import would be most of a short run); numpy code views them with
``numpy.frombuffer``.
"""
from __future__ import annotations

import array

from acrn.trace import events as ev

_INT64 = "l"
assert array.array(_INT64).itemsize == 8


def zeros(n: int) -> array.array:
    """``n`` int64 zeros (the accumulators and state of the scans)."""
    return array.array(_INT64, bytes(8 * n))


def filled(n: int, value: int) -> array.array:
    return array.array(_INT64, [value]) * n


def array_of(values) -> array.array:
    """int64 array of the given ints."""
    return array.array(_INT64, values)

REASON_SLOTS = 1 << 16  # the basic exit reason is bits 15:0 of the exit-reason field
REASON_MASK = REASON_SLOTS - 1

# ---------------------------------------------------------------------------------------------------
# Contexts: who a pCPU runs, for per-vCPU / per-VM attribution.
#   VCPU_RUN (model traces) names VM and vCPU; TRACE_SCHED_NEXT (real captures) names the VM only
#   ("vm1:" of "vm1:vcpu0"), so its vCPU is CTX_VCPU_UNKNOWN.
# ---------------------------------------------------------------------------------------------------
CTX_VMS = 64
CTX_VCPUS = 64
CTX_VCPU_UNKNOWN = CTX_VCPUS - 1
CTX_IDLE = CTX_VMS * CTX_VCPUS
CTX_UNKNOWN = CTX_IDLE + 1  # before the first VCPU_RUN / SCHED_NEXT, or an id out of range
N_CTX = CTX_IDLE + 2


def ctx_index(vm: int, vcpu: int) -> int:
    if 0 <= vm < CTX_VMS and 0 <= vcpu < CTX_VCPUS:
        return vm * CTX_VCPUS + vcpu
    return CTX_UNKNOWN


def ctx_vm_vcpu(ctx: int) -> tuple:
    """(vm, vcpu) of a context; vcpu is None when unknown; (None, None) for idle/unknown contexts."""
    if ctx >= CTX_IDLE:
        return None, None
    vm, vcpu = divmod(ctx, CTX_VCPUS)
    return vm, (None if vcpu == CTX_VCPU_UNKNOWN else vcpu)


# Thread-name prefixes in TRACE_SCHED_NEXT, as bytes
CH_V, CH_M, CH_COLON, CH_0, CH_9 = ord("v"), ord("m"), ord(":"), ord("0"), ord("9")
IDLE_NAME = int.from_bytes(b"idle", "little")

# ---------------------------------------------------------------------------------------------------
# Event-id lookups
# ---------------------------------------------------------------------------------------------------
#: acrnalyze-compat slots: the TRACE_VMEXIT_* ids in acrnalyze's LIST_EVENTS order.
COMPAT_IDS = ev.ACRNALYZE_VMEXIT_IDS
N_COMPAT = len(COMPAT_IDS)
#: HANDLER_SLOT[id - TRACE_VMEXIT_ENTRY] = compat slot, for ids TRACE_VMEXIT_ENTRY..TRACE_VMEXIT_UNHANDLED
#: (-1: an id in that range ACRN does not define).
HANDLER_SPAN = ev.TRACE_VMEXIT_UNHANDLED - ev.TRACE_VMEXIT_ENTRY + 1
HANDLER_SLOT = filled(HANDLER_SPAN, -1)
for _slot, _id in enumerate(COMPAT_IDS):
    HANDLER_SLOT[_id - ev.TRACE_VMEXIT_ENTRY] = _slot
del _slot, _id
#: KNOWN_SMALL[id] (0 or 1, bytes) for ids below 256.
KNOWN_SMALL = array.array("B", bytes(256))
for _id in ev.BY_ID:
    if _id < 256:
        KNOWN_SMALL[_id] = 1
del _id
assert all(ev.MODEL_EVENT_BASE < i <= ev.MODEL_EVENT_LAST for i in ev.BY_ID if i >= ev.MODEL_EVENT_BASE)
assert all(i < 256 or ev.TRACE_VMEXIT_ENTRY <= i <= ev.TRACE_VMEXIT_UNHANDLED or i >= ev.MODEL_EVENT_BASE
           for i in ev.BY_ID)

# ---------------------------------------------------------------------------------------------------
# vm_exit scan: counters (int64 array) ...
# ---------------------------------------------------------------------------------------------------
C_EXIT_WITHOUT_ENTER = 0  # VM_EXIT while the previous exit had no VM_ENTER (records dropped)
C_ENTER_WITHOUT_EXIT = 1  # VM_ENTER with no open exit, after the first VM_EXIT (records dropped)
C_ENTER_BEFORE_FIRST_EXIT = 2  # VM_ENTER before the file's first VM_EXIT (not an exit: nothing to time)
C_NEGATIVE_DURATION = 3  # VM_ENTER earlier than its VM_EXIT: exit not timed
C_NONMONOTONIC = 4  # records whose TSC is below the previous record's
C_UNKNOWN_IDS = 5  # records whose event id is in no table
C_FIRST_UNKNOWN_ID = 6  # the first such id, -1 if none
C_COMPAT_UNATTRIBUTED_ENTERS = 7  # acrnalyze-compat: VM_ENTERs before any TRACE_VMEXIT_* event
C_COMPAT_UNATTRIBUTED_CYCLES = 8  # ... and their cycles (acrnalyze itself stops with KeyError there)
C_TSC_KHZ = 9  # the last MODEL_TSC_FREQ value, 0 if none
C_NEGATIVE_GUEST = 10  # VM_EXIT earlier than the VM_ENTER before it: guest interval not timed
C_HANDLER_BEFORE_FIRST_EXIT = 11  # TRACE_VMEXIT_* events before the first VM_EXIT: began inside an exit
C_TSC_HIGH = 12  # records whose TSC is 2**63 or more (negative as int64): corrupt
C_OVERFLOW = 13  # cycle sums that would leave int64: kept at the int64 maximum
N_COUNTERS = 14
COUNTER_NAMES = ("exit_without_enter", "enter_without_exit", "enter_before_first_exit",
                 "negative_duration", "nonmonotonic", "unknown_ids", "first_unknown_id",
                 "compat_unattributed_enters", "compat_unattributed_cycles", "tsc_khz", "negative_guest",
                 "handler_before_first_exit", "tsc_high", "overflow")
assert len(COUNTER_NAMES) == N_COUNTERS

# ... and state carried from one chunk of a file to the next (int64 array)
KIND_NONE, KIND_EXIT, KIND_ENTER = 0, 1, 2
S_PREV_TSC = 0  # TSC of the previous record
S_HAVE_PREV = 1
S_LAST_KIND = 2  # last VM_EXIT/VM_ENTER seen: KIND_*
S_LAST_TSC = 3  # ... its TSC
S_LAST_REASON = 4  # ... its basic exit reason (when a VM_EXIT)
S_LAST_CTX = 5  # ... the context current at it
S_CTX = 6  # current context
S_STARTED = 7  # seen the first VM_EXIT
S_BEGIN = 8  # TSC of the first VM_EXIT (acrnalyze's TSC_BEGIN), -1
S_END = 9  # TSC of the last VM_ENTER after it (acrnalyze's TSC_END), -1
S_COMPAT_SLOT = 10  # acrnalyze's last_ev_id: compat slot of the last TRACE_VMEXIT_* event, -1
S_COMPAT_EXIT_TSC = 11  # acrnalyze's tsc_exit: TSC of the last VM_EXIT
N_STATE = 12


def new_state() -> array.array:
    st = zeros(N_STATE)
    st[S_LAST_KIND] = KIND_NONE
    st[S_CTX] = CTX_UNKNOWN
    st[S_LAST_CTX] = CTX_UNKNOWN
    st[S_BEGIN] = -1
    st[S_END] = -1
    st[S_COMPAT_SLOT] = -1
    return st


def new_counters() -> array.array:
    c = zeros(N_COUNTERS)
    c[C_FIRST_UNKNOWN_ID] = -1
    return c


# ---------------------------------------------------------------------------------------------------
# cpu_usage (TRACE_SCHED_NEXT) scan
# ---------------------------------------------------------------------------------------------------
SCHED_VMS = 100  # "vm<d>:" or "vm<dd>": ids 0-99
SCHED_IDLE = SCHED_VMS
SCHED_UNKNOWN = SCHED_VMS + 1  # a name that is neither
N_SCHED_SLOTS = SCHED_VMS + 2
ACRNALYZE_VM_NUM = 16  # cpuusage_analyze.py VM_NUM: rows vm0-vm15 and Idle

# sched counters
SC_ITEMS = 0  # records counted (compat: as acrnalyze counts them, see cpuusage_analyze)
SC_SCHED = 1  # TRACE_SCHED_NEXT records
SC_BEGIN = 2  # first TSC
SC_END = 3  # last TSC
SC_AMBIGUOUS = 4  # cycles between two SCHED_NEXT that do not chain (prev != last next)
SC_CHAIN_BREAKS = 5
SC_ZERO_TSC = 6  # compat: 1 when the file was cut at a record with TSC 0, as acrnalyze does
SC_BAD_NAMES = 7  # SCHED_NEXT names that are neither vm<id> nor idle
SC_TSC_HIGH = 8  # records whose TSC is 2**63 or more (negative as int64): corrupt
SC_OVERFLOW = 9  # per-VM sums that would leave int64: kept at the int64 limit
SC_NONMONOTONIC = 10  # records whose TSC is below the previous record's
# ... and the state carried from one chunk of a file to the next
SC_STARTED = 11  # seen a record
SC_LAST_SCHED = 12  # TSC of the last TRACE_SCHED_NEXT (of the first record before any)
SC_NEXT_LAST = 13  # the slot the last TRACE_SCHED_NEXT switched to
SC_STOPPED = 14  # compat: stopped at a record with TSC 0
SC_SEEN = 15  # records read
N_SC = 16


def new_sched_state() -> array.array:
    return zeros(N_SC)


# ---------------------------------------------------------------------------------------------------
# irq scan: host vectors counted directly below IRQ_VECTORS (a payload above is odd input, handled
# apart), and the state carried between chunks
# ---------------------------------------------------------------------------------------------------
IRQ_VECTORS = 256
IRQ_SEEN = 0  # records read
IRQ_HAVE_BEGIN = 1
IRQ_BEGIN = 2  # TSC of the first record (compat: the first non-zero TSC)
IRQ_END = 3  # TSC of the last record
IRQ_NONMONOTONIC = 4  # records whose TSC is below the previous record's
N_IRQ_STATE = 5
