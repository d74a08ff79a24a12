"""Every acrntrace event id acrn-model reads or writes, in one table (:data:`EVENTS`).

ACRN's own ids come from ``hypervisor/include/debug/trace.h`` and ``hypervisor/debug/trace.c``; their
payloads from the ``TRACE_2L``/``TRACE_4I``/``TRACE_16STR`` call sites in the hypervisor.

The per-handler ids are ``TRACE_VMEXIT_ENTRY (0x10000) + an ACRN index``.  The index is *not* always the
SDM basic exit reason: interrupt window is 0x10002 (SDM reason 7), CPUID 0x10004 (10), APIC access
0x10039 (44), virtualized EOI 0x1003A (45).  :attr:`EventType.exit_reason` gives the SDM reason of each.

Model-only ids.  ACRN reserves no id range for out-of-tree events: trace.h lists the ids above, and
trace.c keeps ``TRACE_CUSTOM`` (0xFC, two free u64) plus 0xFD-0xFF for function enter/exit and strings.
acrn-model places its own events in the ``TRACE_CUSTOM`` family, ``(0xFC << 16) + n`` (0xFC0001...):
like ``TRACE_VMEXIT_ENTRY = 0x1 << 16``, the family sits above the 16-bit index, so no id ACRN emits
(below 0x100, 0x10000-0x1003A, 0x20000) can collide, and each still fits the 32-bit ``evid`` of the
hypervisor's trace API.  Model traces are therefore readable by acrnalyze, which skips unknown ids.

Payload layouts: ``2L`` is two u64 ``e``, ``f``; ``4I`` is four u32 ``a``, ``b``, ``c``, ``d`` in that
order (so ``e = a | b << 32`` and ``f = c | d << 32``); ``16STR`` is 16 bytes.  :func:`pack_4i` builds
the two u64 a ``4I`` event takes in :meth:`acrn.trace.writer.TraceWriter.emit`.
"""
from __future__ import annotations

from dataclasses import dataclass

from acrn.arch_x86 import consts as _c
from acrn.core import defs as _defs

# n_data values ACRN stores for each payload layout (trace.c)
PAYLOAD_2L = 2
PAYLOAD_4I = 4
PAYLOAD_6C = 8
PAYLOAD_16STR = 16
PAYLOAD_LAYOUTS = {PAYLOAD_2L: "2L", PAYLOAD_4I: "4I", PAYLOAD_6C: "6C", PAYLOAD_16STR: "16STR"}


@dataclass(frozen=True)
class EventType:
    """One row of the event table."""

    id: int
    name: str
    origin: str  # "acrn" (emitted by the hypervisor) or "model" (acrn-model only)
    n_data: int  # payload layout, as ACRN's n_data: PAYLOAD_2L, PAYLOAD_4I, PAYLOAD_6C or PAYLOAD_16STR
    fields: tuple  # payload field names in layout order (2L: e, f; 4I: a, b, c, d); "" = unused
    doc: str
    exit_reason: int | None = None  # TRACE_VMEXIT_*: SDM basic exit reason of the handler that emits it

    @property
    def layout(self) -> str:
        return PAYLOAD_LAYOUTS[self.n_data]


# ---------------------------------------------------------------------------------------------------
# ACRN's ids
# ---------------------------------------------------------------------------------------------------
TRACE_TIMER_ACTION_ADDED = 0x1
TRACE_TIMER_ACTION_PCKUP = 0x2
TRACE_TIMER_ACTION_UPDAT = 0x3
TRACE_TIMER_IRQ = 0x4
TRACE_VM_EXIT = 0x10
TRACE_VM_ENTER = 0x11
TRACE_SCHED_NEXT = 0x20
TRACE_CUSTOM = 0xFC
TRACE_FUNC_ENTER = 0xFD
TRACE_FUNC_EXIT = 0xFE
TRACE_STR = 0xFF

TRACE_VMEXIT_ENTRY = 0x10000
TRACE_VMEXIT_EXCEPTION_OR_NMI = TRACE_VMEXIT_ENTRY + 0x00
TRACE_VMEXIT_EXTERNAL_INTERRUPT = TRACE_VMEXIT_ENTRY + 0x01
TRACE_VMEXIT_INTERRUPT_WINDOW = TRACE_VMEXIT_ENTRY + 0x02
TRACE_VMEXIT_CPUID = TRACE_VMEXIT_ENTRY + 0x04
TRACE_VMEXIT_RDTSC = TRACE_VMEXIT_ENTRY + 0x10
TRACE_VMEXIT_VMCALL = TRACE_VMEXIT_ENTRY + 0x12
TRACE_VMEXIT_CR_ACCESS = TRACE_VMEXIT_ENTRY + 0x1C
TRACE_VMEXIT_IO_INSTRUCTION = TRACE_VMEXIT_ENTRY + 0x1E
TRACE_VMEXIT_RDMSR = TRACE_VMEXIT_ENTRY + 0x1F
TRACE_VMEXIT_WRMSR = TRACE_VMEXIT_ENTRY + 0x20
TRACE_VMEXIT_EPT_VIOLATION = TRACE_VMEXIT_ENTRY + 0x30
TRACE_VMEXIT_EPT_MISCONFIGURATION = TRACE_VMEXIT_ENTRY + 0x31
TRACE_VMEXIT_RDTSCP = TRACE_VMEXIT_ENTRY + 0x33
TRACE_VMEXIT_APICV_WRITE = TRACE_VMEXIT_ENTRY + 0x38
TRACE_VMEXIT_APICV_ACCESS = TRACE_VMEXIT_ENTRY + 0x39
TRACE_VMEXIT_APICV_VIRT_EOI = TRACE_VMEXIT_ENTRY + 0x3A
TRACE_VMEXIT_UNHANDLED = 0x20000

# ---------------------------------------------------------------------------------------------------
# Model-only ids (the TRACE_CUSTOM family, see the module docstring)
# ---------------------------------------------------------------------------------------------------
MODEL_EVENT_BASE = TRACE_CUSTOM << 16
MODEL_TSC_FREQ = MODEL_EVENT_BASE + 0x01
KICK_SENT = MODEL_EVENT_BASE + 0x02
REQUEST_MADE = MODEL_EVENT_BASE + 0x03
REQUEST_HANDLED = MODEL_EVENT_BASE + 0x04
NMI_LATCHED = MODEL_EVENT_BASE + 0x05
NMI_WINDOW_ARMED = MODEL_EVENT_BASE + 0x06
GUEST_INTERRUPT = MODEL_EVENT_BASE + 0x07
VCPU_RUN = MODEL_EVENT_BASE + 0x08
INVARIANT_VIOLATION = MODEL_EVENT_BASE + 0x09
GUEST_NMI_RAISED = MODEL_EVENT_BASE + 0x0A
GUEST_NMI_FILTERED = MODEL_EVENT_BASE + 0x0B
GUEST_NMI_DROPPED = MODEL_EVENT_BASE + 0x0C
VM_NAME = MODEL_EVENT_BASE + 0x0D
VCPU_BLOCKED = MODEL_EVENT_BASE + 0x0E
MODEL_EVENT_LAST = VCPU_BLOCKED

#: INVARIANT_VIOLATION's code of each built-in invariant (acrn.plugins.invariants; a test checks the two
#: agree); a plugin's invariant gets INVARIANT_OTHER.
INVARIANT_CODES = {"request-latency": 1, "no-spurious-guest-interrupt": 2, "shutdown-completes": 3,
                   "smp-call-completes": 4, "no-lost-guest-nmi": 5, "no-hypervisor-fault": 6}
INVARIANT_OTHER = 0xFFFF
INVARIANT_NAMES = {code: name for name, code in INVARIANT_CODES.items()}
#: VM_NAME keeps this many bytes of the VM's name.
VM_NAME_BYTES = 12

# GUEST_NMI_DROPPED's "where"
DROPPED_IN_ROOT = 0
DROPPED_AS_KICK = 1

# KICK_SENT modes: the notification mechanism (acrn.core.defs SCHED_NOTIFY_*)
KICK_IPI = _defs.SCHED_NOTIFY_IPI
KICK_NMI = _defs.SCHED_NOTIFY_NMI
KICK_INIT = _defs.SCHED_NOTIFY_INIT
KICK_MODES = _defs.NOTIFY_MODES

#: GUEST_INTERRUPT's vector field for an NMI (0x100 + vector 2), so it never equals a real vector.
GUEST_NMI_VECTOR = 0x100 + _c.IDT_NMI


def _reason(name: str) -> int:
    return getattr(_c, "VMX_EXIT_REASON_" + name)


def _acrn(id_, name, n_data, fields, doc, exit_reason=None):
    return EventType(id_, name, "acrn", n_data, tuple(fields), doc, exit_reason)


def _model(id_, name, n_data, fields, doc):
    return EventType(id_, name, "model", n_data, tuple(fields), doc)


EVENTS: tuple = (
    _acrn(TRACE_TIMER_ACTION_ADDED, "TRACE_TIMER_ACTION_ADDED", PAYLOAD_2L, ("timeout", ""),
          "add_timer(): a timer was queued; e = its TSC deadline."),
    _acrn(TRACE_TIMER_ACTION_PCKUP, "TRACE_TIMER_ACTION_PCKUP", PAYLOAD_2L, ("timeout", ""),
          "run_timer(): an expired timer ran; e = its TSC deadline."),
    _acrn(TRACE_TIMER_ACTION_UPDAT, "TRACE_TIMER_ACTION_UPDAT", PAYLOAD_2L, ("", ""),
          "Defined in trace.h; no current ACRN call site emits it."),
    _acrn(TRACE_TIMER_IRQ, "TRACE_TIMER_IRQ", PAYLOAD_2L, ("", ""),
          "Defined in trace.h; no current ACRN call site emits it."),
    _acrn(TRACE_VM_EXIT, "TRACE_VM_EXIT", PAYLOAD_2L, ("exit_reason", "guest_rip"),
          "vcpu_thread(), right after the VM exit: e = the VMCS exit-reason field (basic reason in "
          "bits 15:0), f = guest RIP.  Opens the exit; the next TRACE_VM_ENTER on the pCPU closes it."),
    _acrn(TRACE_VM_ENTER, "TRACE_VM_ENTER", PAYLOAD_2L, ("", ""),
          "vcpu_thread(), right before the VM entry (after acrn_handle_pending_request())."),
    _acrn(TRACE_SCHED_NEXT, "TRACE_SCHED_NEXT", PAYLOAD_16STR, ("prev_next_names",),
          "schedule() switching threads: bytes 0-3 are the first 4 chars of the previous thread's name, "
          "bytes 4-7 of the next one's (\"vm<id>:\" from \"vm<id>:vcpu<n>\", or \"idle\"), rest zero."),
    _acrn(TRACE_CUSTOM, "TRACE_CUSTOM", PAYLOAD_2L, ("e", "f"),
          "Free-form event with two u64 (trace.c); no ACRN call site."),
    _acrn(TRACE_FUNC_ENTER, "TRACE_FUNC_ENTER", PAYLOAD_16STR, ("function",),
          "TRACE_ENTER: function name (15 chars)."),
    _acrn(TRACE_FUNC_EXIT, "TRACE_FUNC_EXIT", PAYLOAD_16STR, ("function",),
          "TRACE_EXIT: function name (15 chars)."),
    _acrn(TRACE_STR, "TRACE_STR", PAYLOAD_16STR, ("string",), "A 15-char string."),
    _acrn(TRACE_VMEXIT_EXCEPTION_OR_NMI, "TRACE_VMEXIT_EXCEPTION_OR_NMI", PAYLOAD_4I,
          ("vector", "error_code", "", ""),
          "exception_vmexit_handler(): a = exception vector, b = error code (c = 2, d = 0 as ACRN "
          "passes them).", _reason("EXCEPTION_OR_NMI")),
    _acrn(TRACE_VMEXIT_EXTERNAL_INTERRUPT, "TRACE_VMEXIT_EXTERNAL_INTERRUPT", PAYLOAD_2L, ("vector", ""),
          "external_interrupt_vmexit_handler(): e = the host vector (acrnalyze's irq report counts "
          "these).", _reason("EXTERNAL_INTERRUPT")),
    _acrn(TRACE_VMEXIT_INTERRUPT_WINDOW, "TRACE_VMEXIT_INTERRUPT_WINDOW", PAYLOAD_2L, ("", ""),
          "interrupt_window_vmexit_handler().  ACRN index 2, SDM reason 7.",
          _reason("INTERRUPT_WINDOW")),
    _acrn(TRACE_VMEXIT_CPUID, "TRACE_VMEXIT_CPUID", PAYLOAD_2L, ("leaf", "subleaf"),
          "cpuid_vmexit_handler(): e = EAX, f = ECX.  ACRN index 4, SDM reason 10.", _reason("CPUID")),
    _acrn(TRACE_VMEXIT_RDTSC, "TRACE_VMEXIT_RDTSC", PAYLOAD_2L, ("", ""),
          "Defined for RDTSC exits; ACRN does not enable RDTSC exiting, so none are emitted.",
          _reason("RDTSC")),
    _acrn(TRACE_VMEXIT_VMCALL, "TRACE_VMEXIT_VMCALL", PAYLOAD_2L, ("vm_id", "hypercall_id"),
          "vmcall_vmexit_handler(): e = VM id, f = hypercall id.", _reason("VMCALL")),
    _acrn(TRACE_VMEXIT_CR_ACCESS, "TRACE_VMEXIT_CR_ACCESS", PAYLOAD_2L, ("access_type", "cr_num"),
          "cr_access_vmexit_handler(): e = access type, f = CR number.", _reason("CR_ACCESS")),
    _acrn(TRACE_VMEXIT_IO_INSTRUCTION, "TRACE_VMEXIT_IO_INSTRUCTION", PAYLOAD_4I,
          ("port", "direction", "size", "context_idx"),
          "pio_instr_vmexit_handler(): a = port, b = direction, c = size, d = current context.",
          _reason("IO_INSTRUCTION")),
    _acrn(TRACE_VMEXIT_RDMSR, "TRACE_VMEXIT_RDMSR", PAYLOAD_2L, ("msr", "value"),
          "rdmsr_vmexit_handler(): e = MSR, f = value read.", _reason("RDMSR")),
    _acrn(TRACE_VMEXIT_WRMSR, "TRACE_VMEXIT_WRMSR", PAYLOAD_2L, ("msr", "value"),
          "wrmsr_vmexit_handler(): e = MSR, f = value written.", _reason("WRMSR")),
    _acrn(TRACE_VMEXIT_EPT_VIOLATION, "TRACE_VMEXIT_EPT_VIOLATION", PAYLOAD_2L, ("exit_qual", "gpa"),
          "ept_violation_vmexit_handler(): e = exit qualification, f = guest-physical address.",
          _reason("EPT_VIOLATION")),
    _acrn(TRACE_VMEXIT_EPT_MISCONFIGURATION, "TRACE_VMEXIT_EPT_MISCONFIGURATION", PAYLOAD_2L, ("", ""),
          "ept_misconfig_vmexit_handler().", _reason("EPT_MISCONFIGURATION")),
    _acrn(TRACE_VMEXIT_RDTSCP, "TRACE_VMEXIT_RDTSCP", PAYLOAD_2L, ("", ""),
          "Defined for RDTSCP exits; ACRN dispatches them to unhandled_vmexit_handler() instead.",
          _reason("RDTSCP")),
    _acrn(TRACE_VMEXIT_APICV_WRITE, "TRACE_VMEXIT_APICV_WRITE", PAYLOAD_2L, ("offset", ""),
          "apic_write_vmexit_handler(): e = APIC register offset.", _reason("APIC_WRITE")),
    _acrn(TRACE_VMEXIT_APICV_ACCESS, "TRACE_VMEXIT_APICV_ACCESS", PAYLOAD_2L, ("exit_qual", "vlapic"),
          "apic_access_vmexit_handler(): e = exit qualification, f = vlapic pointer.  ACRN index "
          "0x39, SDM reason 44.", _reason("APIC_ACCESS")),
    _acrn(TRACE_VMEXIT_APICV_VIRT_EOI, "TRACE_VMEXIT_APICV_VIRT_EOI", PAYLOAD_2L, ("vector", ""),
          "veoi_vmexit_handler(): e = vector.  ACRN index 0x3A, SDM reason 45.",
          _reason("VIRTUALIZED_EOI")),
    _acrn(TRACE_VMEXIT_UNHANDLED, "TRACE_VMEXIT_UNHANDLED", PAYLOAD_2L, ("exit_reason", ""),
          "unhandled_vmexit_handler(): e = the exit-reason field of an exit ACRN has no handler for."),
    # ---- model-only ------------------------------------------------------------------------------
    _model(MODEL_TSC_FREQ, "MODEL_TSC_FREQ", PAYLOAD_2L, ("tsc_khz", ""),
           "The run's TSC frequency in kHz, so reports can state it.  TraceWriter puts one as the "
           "first record of every pCPU file."),
    _model(KICK_SENT, "KICK_SENT", PAYLOAD_4I, ("target_pcpu", "mode", "vector", ""),
           "A pCPU kicked another (kick_thread / send_single_ipi|nmi|init): a = target pCPU, b = mode "
           "(0 IPI, 1 NMI, 2 INIT: acrn.core.defs SCHED_NOTIFY_*), c = vector (IPI) or 0.  Recorded on "
           "the sender's pCPU."),
    _model(REQUEST_MADE, "REQUEST_MADE", PAYLOAD_4I, ("vm_id", "vcpu_id", "request_bit", ""),
           "vcpu_make_request(): a = VM id, b = vCPU id, c = ACRN_REQUEST_* bit (acrn.core.defs).  "
           "Recorded on the requesting pCPU."),
    _model(REQUEST_HANDLED, "REQUEST_HANDLED", PAYLOAD_4I, ("vm_id", "vcpu_id", "request_bit", ""),
           "acrn_handle_pending_request() consumed a request: a = VM id, b = vCPU id, c = bit."),
    _model(NMI_LATCHED, "NMI_LATCHED", PAYLOAD_4I, ("pcpu", "source", "", ""),
           "An NMI became pending on a pCPU: a = that pCPU, b = the engine's NMI-source id."),
    _model(NMI_WINDOW_ARMED, "NMI_WINDOW_ARMED", PAYLOAD_4I, ("vm_id", "vcpu_id", "", ""),
           "NMI-window exiting was enabled for a vCPU: a = VM id, b = vCPU id."),
    _model(GUEST_INTERRUPT, "GUEST_INTERRUPT", PAYLOAD_4I, ("vm_id", "vcpu_id", "vector", "spurious"),
           "The guest received an interrupt: a = VM id, b = vCPU id, c = vector, or 0x102 for an NMI "
           "(GUEST_NMI_VECTOR), d = 1 when no guest source raised it."),
    _model(VCPU_RUN, "VCPU_RUN", PAYLOAD_4I, ("vm_id", "vcpu_id", "", ""),
           "From now on this pCPU runs vCPU (a = VM id, b = vCPU id): per-vCPU attribution in model "
           "traces (real captures only have TRACE_SCHED_NEXT, which names the VM but not the vCPU)."),
    _model(INVARIANT_VIOLATION, "INVARIANT_VIOLATION", PAYLOAD_4I, ("code", "vm_id", "vcpu_id", ""),
           "An invariant was violated: a = the invariant's code (INVARIANT_CODES: 1 request-latency, 2 "
           "no-spurious-guest-interrupt, 3 shutdown-completes, 4 smp-call-completes, 5 no-lost-guest-nmi, 6 "
           "no-hypervisor-fault, 0xFFFF a plugin's), b = VM id, c = vCPU id (0xFFFFFFFF: none).  Recorded "
           "on the pCPU where it was seen."),
    _model(GUEST_NMI_RAISED, "GUEST_NMI_RAISED", PAYLOAD_4I, ("vm_id", "vcpu_id", "source", ""),
           "A guest's own NMI source raised an NMI for a vCPU: a = VM id, b = vCPU id, c = the source tag "
           "(acrn.arch_x86.consts.SRC_*).  Recorded on the vCPU's pCPU."),
    _model(GUEST_NMI_FILTERED, "GUEST_NMI_FILTERED", PAYLOAD_4I, ("source", "", "", ""),
           "A filter removed a guest NMI source (an ICR NMI not forwarded, an LVT or MSI refused NMI "
           "delivery): a = the source tag."),
    _model(GUEST_NMI_DROPPED, "GUEST_NMI_DROPPED", PAYLOAD_4I, ("pcpu", "sources", "where", ""),
           "The hypervisor consumed an NMI that carried a guest's NMI: a = pCPU, b = source tags, c = 0 "
           "taken in root and ignored, 1 taken as a kick."),
    _model(VM_NAME, "VM_NAME", PAYLOAD_16STR, ("vm_id", "name"),
           "The name of a VM, as the scenario gives it: bytes 0-3 = VM id (u32), bytes 4-15 = the first 12 "
           "bytes of the name (UTF-8, zero-padded).  Written once per VM, before its first VM entry."),
    _model(VCPU_BLOCKED, "VCPU_BLOCKED", PAYLOAD_4I, ("vm_id", "vcpu_id", "", ""),
           "The TRACE_SCHED_NEXT just before it switched out a vCPU whose thread is blocked (sleep_thread: "
           "HLT, pause, offline), not one that is still runnable: a = VM id, b = vCPU id.  Timelines show "
           "the vCPU blocked until its next VCPU_RUN (waking it is not traced)."),
)

BY_ID: dict = {ev.id: ev for ev in EVENTS}
BY_NAME: dict = {ev.name: ev for ev in EVENTS}
assert len(BY_ID) == len(EVENTS) and len(BY_NAME) == len(EVENTS)

#: acrnalyze's vmexit_analyze.py LIST_EVENTS, in its report order: every TRACE_VMEXIT_* id, then UNHANDLED.
ACRNALYZE_VMEXIT_IDS: tuple = tuple(ev.id for ev in EVENTS if ev.name.startswith("TRACE_VMEXIT_"))
assert ACRNALYZE_VMEXIT_IDS[-1] == TRACE_VMEXIT_UNHANDLED

#: TRACE_VMEXIT_* handler id -> SDM basic exit reason (UNHANDLED has none).
HANDLER_EXIT_REASON: dict = {ev.id: ev.exit_reason for ev in EVENTS if ev.exit_reason is not None}
#: SDM basic exit reason -> its TRACE_VMEXIT_* id.
EXIT_REASON_HANDLER: dict = {reason: id_ for id_, reason in HANDLER_EXIT_REASON.items()}


def report_label(event_id: int) -> str:
    """acrnalyze's row label for a TRACE_VMEXIT_* id: the macro name without ``TRACE_``."""
    return BY_ID[event_id].name[len("TRACE_"):]


def exit_reason_label(reason: int) -> str:
    """The vm_exit report row label of an SDM basic exit reason: ACRN's own label when ACRN has a
    TRACE_VMEXIT_* id for it (``VMEXIT_APICV_ACCESS`` for reason 44), else ``VMEXIT_<SDM name>``."""
    handler = EXIT_REASON_HANDLER.get(reason)
    if handler is not None:
        return report_label(handler)
    return "VMEXIT_" + _c.exit_reason_name(reason)


def request_name(bit: int) -> str:
    """``ACRN_REQUEST_<name>`` of a request bit (acrn.core.defs.REQUESTS), or ``bit <n>``."""
    name = _defs.REQUESTS.get(bit)
    return "ACRN_REQUEST_" + name if name else "bit %d" % bit


def event_name(event_id: int) -> str:
    ev = BY_ID.get(event_id)
    return ev.name if ev is not None else "UNKNOWN_0x%x" % event_id


def is_known(event_id: int) -> bool:
    return event_id in BY_ID


def pack_4i(a: int, b: int = 0, c: int = 0, d: int = 0) -> tuple:
    """The two u64 of a ``4I`` payload (four u32, little-endian)."""
    return (a & 0xFFFFFFFF) | ((b & 0xFFFFFFFF) << 32), (c & 0xFFFFFFFF) | ((d & 0xFFFFFFFF) << 32)


def unpack_4i(e: int, f: int) -> tuple:
    return e & 0xFFFFFFFF, (e >> 32) & 0xFFFFFFFF, f & 0xFFFFFFFF, (f >> 32) & 0xFFFFFFFF


def sched_names(e: int, f: int = 0) -> tuple:
    """The (previous, next) 4-char thread-name prefixes of a TRACE_SCHED_NEXT payload."""
    raw = (e & (2**64 - 1)).to_bytes(8, "little")
    return (raw[:4].decode("ascii", "replace").rstrip("\0"), raw[4:8].decode("ascii", "replace").rstrip("\0"))


def sched_payload(prev_name: str, next_name: str) -> tuple:
    """The (e, f) of a TRACE_SCHED_NEXT switching from ``prev_name`` to ``next_name`` (schedule())."""
    raw = prev_name.encode()[:4].ljust(4, b"\0") + next_name.encode()[:4].ljust(4, b"\0")
    return int.from_bytes(raw, "little"), 0


def vm_name_payload(vm_id: int, name: str) -> tuple:
    """The (e, f) of a VM_NAME record."""
    raw = (vm_id & 0xFFFFFFFF).to_bytes(4, "little") + name.encode("utf-8")[:VM_NAME_BYTES].ljust(VM_NAME_BYTES, b"\0")
    return int.from_bytes(raw[:8], "little"), int.from_bytes(raw[8:], "little")


def vm_name_of(e: int, f: int) -> tuple:
    """(vm id, name) of a VM_NAME payload."""
    raw = (e & (2**64 - 1)).to_bytes(8, "little") + (f & (2**64 - 1)).to_bytes(8, "little")
    return int.from_bytes(raw[:4], "little"), raw[4:].rstrip(b"\0").decode("utf-8", "replace")


def table_markdown() -> str:
    """The event table as Markdown (docs/trace.md embeds it)."""
    lines = ["| id | name | origin | payload | fields | meaning |", "|---|---|---|---|---|---|"]
    for ev in sorted(EVENTS, key=lambda ev: ev.id):
        fields = ", ".join(f for f in ev.fields if f) or "-"
        lines.append("| 0x%X | %s | %s | %s | %s | %s |" % (ev.id, ev.name, ev.origin, ev.layout, fields,
                                                            ev.doc.replace("|", "\\|")))
    return "\n".join(lines)
