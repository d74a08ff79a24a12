"""What the engine reports as it runs, for traces and diagrams.

``Tracer`` is the interface the engine calls (every method a no-op); ``ModelTracer`` writes an acrntrace
capture with ACRN's own event ids (``acrn.trace.events``) plus the model-only ones; ``Recorder`` keeps
the events in memory (sequence diagrams, tests); ``TeeTracer`` feeds several.
"""
from acrn.core import defs as D


class Tracer:
    """The engine's trace interface.  Times are TSC cycles; ``cpu`` is the pCPU the event belongs to."""

    def vmentry(self, t, cpu, vcpu):
        pass

    def vmexit(self, t, cpu, vcpu, reason):
        pass

    def request(self, t, cpu, vcpu, bit, made):
        pass

    def kick(self, t, src, dst, mode):
        pass

    def sched(self, t, cpu, prev, thread):
        pass

    def guest_interrupt(self, t, cpu, vcpu, vector, sources, is_nmi):
        pass

    def nmi_window(self, t, cpu, vcpu):
        pass

    def nmi(self, t, cpu, sources, in_guest):
        pass

    def arrival(self, t, cpu, kind, vector, sources):
        pass

    def step(self, t, cpu, step):
        pass

    def guest_nmi(self, t, cpu, vcpu, source, what, where):
        """``what``: "raised" (a guest source), "filtered" (vcpu None) or "dropped" (``where`` 0 in root, 1 as
        a kick; ``source`` = the tags it carried)."""

    def violation(self, t, cpu, vcpu, invariant, message):
        """Invariant ``invariant`` (its name) was violated at ``t`` on pCPU ``cpu`` (``vcpu`` or None)."""


class TeeTracer(Tracer):
    """Send every event to each of ``tracers``."""

    def __init__(self, *tracers):
        self.tracers = tracers
        for name in ("vmentry", "vmexit", "request", "kick", "sched", "guest_interrupt", "nmi_window", "nmi",
                     "arrival", "step", "guest_nmi", "violation"):
            calls = [getattr(t, name) for t in tracers]
            setattr(self, name, (lambda calls: lambda *a: [c(*a) for c in calls])(calls))


class Recorder(Tracer):
    """Keeps (time, cpu, kind, fields) tuples in order, for sequence diagrams and tests."""

    def __init__(self, with_steps=True):
        self.events = []
        self.with_steps = with_steps

    def vmentry(self, t, cpu, vcpu):
        self.events.append((t, cpu, "vmentry", (vcpu.name,)))

    def vmexit(self, t, cpu, vcpu, reason):
        self.events.append((t, cpu, "vmexit", (vcpu.name, reason)))

    def request(self, t, cpu, vcpu, bit, made):
        self.events.append((t, cpu, "request-made" if made else "request-handled", (vcpu.name, bit)))

    def kick(self, t, src, dst, mode):
        self.events.append((t, src, "kick", (dst, mode)))

    def sched(self, t, cpu, prev, thread):
        self.events.append((t, cpu, "sched", (thread.name,)))

    def guest_interrupt(self, t, cpu, vcpu, vector, sources, is_nmi):
        self.events.append((t, cpu, "guest-nmi" if is_nmi else "guest-intr", (vcpu.name, vector, sources)))

    def nmi_window(self, t, cpu, vcpu):
        self.events.append((t, cpu, "nmi-window-armed", (vcpu.name if vcpu is not None else "",)))

    def nmi(self, t, cpu, sources, in_guest):
        self.events.append((t, cpu, "nmi-exit" if in_guest else "nmi-root", (sources,)))

    def arrival(self, t, cpu, kind, vector, sources):
        self.events.append((t, cpu, "arrival", (kind, vector, sources)))

    def step(self, t, cpu, step):
        if self.with_steps:
            self.events.append((t, cpu, "step", (step,)))

    def guest_nmi(self, t, cpu, vcpu, source, what, where):
        self.events.append((t, cpu, "guest-nmi-" + what, (vcpu.name if vcpu is not None else "", source, where)))



class ModelTracer(Tracer):
    """Writes the run as an acrntrace capture folder ``<root>/<YYYYMMDD-HHMMSS>`` (one file per pCPU),
    atomically: ``close`` keeps it, ``abort`` leaves nothing behind.  A capture of the same second already
    in ``root`` (a loop of runs) makes it ``<stamp>-2``, ``<stamp>-3``...: every run keeps its capture."""

    def __init__(self, root, n_cpus, tsc_mhz, capture_dir=None):
        from acrn.trace import events as E
        from acrn.trace.format import default_capture_dir
        from acrn.trace.writer import TraceWriter

        self.E = E
        path = capture_dir if capture_dir is not None else default_capture_dir(root)
        # a capture of the same second already there: this one becomes <stamp>-2, -3... (chosen at close)
        self.writer = TraceWriter(path, n_cpus, int(round(tsc_mhz * 1000)), unique=capture_dir is None)
        self._handler_event = {ev.exit_reason: ev.id for ev in E.EVENTS if ev.exit_reason is not None}
        self._emit = self.writer.emit
        self._named_vms = set()

    def _name_vm(self, t, cpu, vm):
        """A VM_NAME record the first time a VM shows up (so timelines use the scenario's names)."""
        self._named_vms.add(vm.vm_id)
        self._emit(t, cpu, self.E.VM_NAME, *self.E.vm_name_payload(vm.vm_id, vm.name))

    def vmentry(self, t, cpu, vcpu):
        if vcpu.vm.vm_id not in self._named_vms:
            self._name_vm(t, cpu, vcpu.vm)
        self._emit(t, cpu, self.E.TRACE_VM_ENTER, 0, 0)

    def vmexit(self, t, cpu, vcpu, reason):
        self._emit(t, cpu, self.E.TRACE_VM_EXIT, reason, vcpu.arch.vmcs.guest_rip)
        handler_event = self._handler_event.get(reason)
        if handler_event is not None:
            # ACRN's external-interrupt handler traces the vector it dispatches
            vector = vcpu.arch.vmcs.exit_int_info & 0xFF if reason == 1 else 0
            self._emit(t, cpu, handler_event, vector, 0)

    def request(self, t, cpu, vcpu, bit, made):
        e, f = self.E.pack_4i(vcpu.vm.vm_id, vcpu.vcpu_id, bit)
        self._emit(t, cpu, self.E.REQUEST_MADE if made else self.E.REQUEST_HANDLED, e, f)

    def kick(self, t, src, dst, mode):
        from acrn.arch_x86.consts import NOTIFY_VCPU_VECTOR

        e, f = self.E.pack_4i(dst, mode, NOTIFY_VCPU_VECTOR if mode == D.SCHED_NOTIFY_IPI else 0)
        self._emit(t, src, self.E.KICK_SENT, e, f)

    def sched(self, t, cpu, prev, thread):
        vcpu = thread.data
        # TRACE_SCHED_NEXT: 4 bytes of the previous thread's name, then 4 of the next one's
        names = _short_name(prev) + _short_name(thread)
        self._emit(t, cpu, self.E.TRACE_SCHED_NEXT, int.from_bytes(names, "little"), 0)
        if prev is not None and prev is not thread and prev.data is not None and prev.status == D.THREAD_STS_BLOCKED:
            self._emit(t, cpu, self.E.VCPU_BLOCKED, *self.E.pack_4i(prev.data.vm.vm_id, prev.data.vcpu_id))
        if vcpu is not None:
            e, f = self.E.pack_4i(vcpu.vm.vm_id, vcpu.vcpu_id)
            self._emit(t, cpu, self.E.VCPU_RUN, e, f)

    def guest_interrupt(self, t, cpu, vcpu, vector, sources, is_nmi):
        from acrn.arch_x86.consts import SRC_HYPERVISOR

        spurious = 1 if (vcpu.vm.lapic_pt and (sources & SRC_HYPERVISOR or not sources)) else 0
        e, f = self.E.pack_4i(vcpu.vm.vm_id, vcpu.vcpu_id, self.E.GUEST_NMI_VECTOR if is_nmi else vector, spurious)
        self._emit(t, cpu, self.E.GUEST_INTERRUPT, e, f)

    def nmi_window(self, t, cpu, vcpu):
        e, f = self.E.pack_4i(vcpu.vm.vm_id, vcpu.vcpu_id) if vcpu is not None else (0xFFFFFFFF, 0)
        self._emit(t, cpu, self.E.NMI_WINDOW_ARMED, e, f)

    def arrival(self, t, cpu, kind, vector, sources):
        e, f = self.E.pack_4i(cpu, sources)
        self._emit(t, cpu, self.E.NMI_LATCHED, e, f)

    def guest_nmi(self, t, cpu, vcpu, source, what, where):
        E = self.E
        if what == "raised":
            e, f = E.pack_4i(vcpu.vm.vm_id, vcpu.vcpu_id, source)
            self._emit(t, cpu, E.GUEST_NMI_RAISED, e, f)
        elif what == "filtered":
            e, f = E.pack_4i(source)
            self._emit(t, cpu, E.GUEST_NMI_FILTERED, e, f)
        else:
            e, f = E.pack_4i(cpu, source, where)
            self._emit(t, cpu, E.GUEST_NMI_DROPPED, e, f)

    def violation(self, t, cpu, vcpu, invariant, message):
        E = self.E
        code = E.INVARIANT_CODES.get(invariant, E.INVARIANT_OTHER)
        vm, vcpu_id = (vcpu.vm.vm_id, vcpu.vcpu_id) if vcpu is not None else (0xFFFFFFFF, 0xFFFFFFFF)
        if not 0 <= cpu < self.writer.n_cpus:  # a plugin's invariant may name no pCPU of the capture
            cpu = 0
        # judged after the run: merged into the pCPU's file at its time when the capture is closed
        self.writer.emit_late(max(int(t), 0), cpu, E.INVARIANT_VIOLATION, *E.pack_4i(code, vm, vcpu_id))

    @property
    def path(self) -> str:
        """The capture folder: the name it was given when it was closed (``<stamp>`` or ``<stamp>-N``)."""
        return str(self.writer.path)

    def close(self):
        self.writer.close()

    def abort(self):
        self.writer.abort()


def _short_name(thread):
    """The 4 name bytes ACRN's TRACE_SCHED_NEXT keeps: "vm<id>" of a vCPU thread, or "idle"."""
    if thread is None:
        return b"\0\0\0\0"
    vcpu = thread.data
    name = ("vm%d:" % vcpu.vm.vm_id) if vcpu is not None else "idle"
    return name[:4].encode().ljust(4, b"\0")
