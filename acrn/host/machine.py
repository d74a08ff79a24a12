"""The machine: the engine (``acrn.engine.sim``) with ACRN's vCPUs and their guests on its pCPUs.

The engine knows nothing of ACRN; this subclass, above the hypervisor model, supplies what happens in VMX
non-root: the VM entry of the running vCPU thread (``OP_ENTER``), the guest until its next exit, acting on
interrupts that reach a pCPU in non-root (SDM 25.2, 26.6), the VM exit back to the vCPU thread, the
hypervisor's timer tick, and the trace/observer calls that name vCPUs.  The host builder
(``acrn.host.run``) makes one per run.
"""
import cython

from acrn.arch_x86.consts import (
    IDT_NMI, SRC_HV_OTHER, TIMER_VECTOR, VMX_EXIT_REASON_BASIC_MASK, VMX_EXIT_REASON_EXCEPTION_OR_NMI,
    VMX_EXIT_REASON_EXTERNAL_INTERRUPT, VMX_EXIT_REASON_INIT_SIGNAL, VMX_EXIT_REASON_INTERRUPT_WINDOW,
    VMX_EXIT_REASON_NMI_WINDOW, VMX_EXIT_REASON_WRMSR, VMX_INSTR_ERRORS, VMX_INT_TYPE_EXT_INT, VMX_INT_TYPE_NMI,
    exit_reason_name)
from acrn.arch_x86.pcpu import EV_ENTERED, EV_GUEST_INTR, EV_GUEST_NMI, EV_NONE, EV_VMEXIT, EVENTS
from acrn.engine.cost import S_VMENTRY, S_VMEXIT
from acrn.engine.sim import ARR_FIXED, K_GUEST, K_TICK, ST_GUEST, ST_HALTED, ST_RUN, Sim
from acrn.guest.guest import GK_IRET, GK_LVT, GK_NONE

# exits at which no guest instruction retired: the next entry must resume at the same RIP
_ASYNC_EXITS = frozenset((VMX_EXIT_REASON_EXTERNAL_INTERRUPT, VMX_EXIT_REASON_INIT_SIGNAL,
                          VMX_EXIT_REASON_INTERRUPT_WINDOW, VMX_EXIT_REASON_NMI_WINDOW))
# the same set as a bitmap of basic exit reasons (all below 64), for a C test per VM exit
ASYNC_EXIT_BITS = cython.declare(cython.ulonglong, sum(1 << reason for reason in _ASYNC_EXITS))


class Machine(Sim):
    """A Sim whose pCPUs run ACRN's vCPU threads and their guests (``hv``, ``obs``: the hypervisor and
    the observer of the run, set by the host builder; ``hook_calls``: the ``HookCalls`` behind ``on_vmexit``
    and ``on_vmentry`` when a plugin observes, called directly)."""

    def __init__(self, *args):
        Sim.__init__(self, *args)
        self.hook_calls = None

    # ---- VMX transitions and the guest ------------------------------------------------------------
    def _vmentry(self, ctx):
        """VMLAUNCH/VMRESUME of the vCPU the thread on ``ctx`` runs; on success the pCPU is in non-root."""
        vcpu = ctx.thread.data
        hw = ctx.hw
        obs = self.obs
        vmcs = vcpu.arch.vmcs
        result = hw.vmentry(not vmcs.launched)
        vcpu.arch.entry_status = result
        cost = self.latency(S_VMENTRY)
        if self.step_hook is not None:
            self.step_hook(ctx.cpu_id, S_VMENTRY, self.now)
        if result != EV_ENTERED:
            self._next_step(ctx, self.now + cost)
            return
        guest = vcpu.guest
        if guest.check_rip >= 0 and vmcs.guest_rip != guest.check_rip:
            obs.fault(ctx.cpu_id, "%s: VM entry at RIP 0x%x, but exit reason %d retired no instruction at 0x%x"
                           % (vcpu.name, vmcs.guest_rip, vcpu.arch.exit_reason & 0xFFFF, guest.check_rip))
        guest.check_rip = -1
        ctx.state = ST_GUEST
        ctx.vcpu = vcpu
        ctx.guest_start = self.now + cost
        self.trace_vmentry(ctx.cpu_id, vcpu)
        if self.on_vmentry is not None:
            if self.hook_calls is not None:
                self.hook_calls.vmentry(ctx.cpu_id, vcpu, self.now)
            else:
                self.on_vmentry(ctx.cpu_id, vcpu, self.now)
        injected = hw.injected
        if injected:
            int_type = (injected >> 8) & 0x7
            if int_type == VMX_INT_TYPE_NMI:
                obs.guest_interrupt(vcpu, IDT_NMI, vcpu.nmi_sources, True)
                vcpu.nmi_sources = 0
                guest.on_nmi(self, ctx.guest_start)
            elif int_type == VMX_INT_TYPE_EXT_INT:
                obs.guest_interrupt(vcpu, injected & 0xFF, SRC_HV_OTHER, False)
                guest.on_interrupt(self, ctx.guest_start, injected & 0xFF)
            else:
                obs.log(vcpu, "exception %d injected" % (injected & 0xFF))
        self._settle(ctx)
        if ctx.state == ST_GUEST:
            self._schedule_guest(ctx)

    def _schedule_guest(self, ctx):
        """Queue the guest's next activity (a new ``ggen`` makes any earlier K_GUEST stale)."""
        ctx.ggen += 1
        vcpu = ctx.vcpu
        due = vcpu.guest.next_due()
        if due >= 0:
            self._push(max(due, ctx.guest_start, self.now), K_GUEST, ctx.cpu_id, 0, 0, 0, ctx.ggen)

    def _settle(self, ctx):
        """Act on every event pending in non-root, in the hardware's priority order."""
        hw = ctx.hw
        obs = self.obs
        while True:
            ev = hw.nonroot_step()
            if ev == EV_NONE:
                return
            if ev == EV_VMEXIT:
                self._exited(ctx)
                return
            vcpu = ctx.vcpu
            when = max(self.now, ctx.guest_start)
            if ev == EV_GUEST_NMI:
                obs.guest_interrupt(vcpu, IDT_NMI, hw.last_sources, True)
                vcpu.guest.on_nmi(self, when)
            elif ev == EV_GUEST_INTR:
                obs.guest_interrupt(vcpu, hw.last_vector, hw.last_sources, False)
                hw.guest_eoi()
                vcpu.guest.on_interrupt(self, when, hw.last_vector)
            if ctx.state == ST_GUEST:
                self._schedule_guest(ctx)

    def _exited(self, ctx):
        """The pCPU left non-root: the vCPU thread resumes after the exit transition."""
        hw = ctx.hw
        obs = self.obs
        vcpu = ctx.vcpu
        vmcs = vcpu.arch.vmcs
        ctx.ggen += 1
        reason = vmcs.exit_reason & VMX_EXIT_REASON_BASIC_MASK
        nmi_exit = reason == VMX_EXIT_REASON_EXCEPTION_OR_NMI and (vmcs.exit_int_info >> 8) & 0x7 == VMX_INT_TYPE_NMI
        if nmi_exit:
            vcpu.exit_nmi_sources = hw.last_sources  # model tags of the NMI behind this exit
            self.trace_nmi_exit(ctx.cpu_id, hw.last_sources)
            if self.on_nmi is not None:
                self.on_nmi(ctx.cpu_id, hw.last_sources, True, max(self.now, ctx.guest_start))
        if nmi_exit or (reason < 64 and (ASYNC_EXIT_BITS >> reason) & 1):
            vcpu.guest.check_rip = vmcs.guest_rip
        self.exits += 1
        at = max(self.now, ctx.guest_start)
        obs.vmexit(ctx.cpu_id, reason)
        self.trace_vmexit(ctx.cpu_id, vcpu, reason, at)
        if self.on_vmexit is not None:
            if self.hook_calls is not None:
                self.hook_calls.vmexit(ctx.cpu_id, vcpu, reason, at)
            else:
                self.on_vmexit(ctx.cpu_id, vcpu, reason, at)
        ctx.state = ST_RUN
        ctx.vcpu = None
        if self.step_hook is not None:
            self.step_hook(ctx.cpu_id, S_VMEXIT, at)
        self._next_step(ctx, at + self.latency(S_VMEXIT))

    def _guest_event(self, ctx):
        """The guest's activity due now: its NMI handler's IRET, a passed-through MSR write, or a VM exit."""
        vcpu = ctx.vcpu
        guest = vcpu.guest
        hw = ctx.hw
        self.cur_cpu = ctx.cpu_id
        code = guest.pop_due(self, self.now)
        if code == GK_NONE:
            self._schedule_guest(ctx)
            return
        if code == GK_IRET:
            hw.guest_iret()
            self._settle(ctx)
            if ctx.state == ST_GUEST:
                self._schedule_guest(ctx)
            return
        guest.exit_for()
        if code == GK_LVT and guest.exit_reason == VMX_EXIT_REASON_WRMSR and vcpu.arch.lapic_pt_enabled \
                and guest.exit_arg0 not in vcpu.arch.vmcs.msr_write_trapped:
            # a passed-through LVT MSR: the guest writes the physical LAPIC, no VM exit
            hw.lapic.write_lvt(guest.due_args[0], guest.due_args[1])
            self._schedule_guest(ctx)
            return
        vcpu.arch.vmcs.guest_rip += 0x10  # the guest ran some instructions since the last exit
        hw.vmexit_instruction(guest.exit_reason, guest.exit_inst_len)
        self._exited(ctx)

    def _tick(self, ctx, period):
        """The hypervisor timer of a pCPU (not on lapic-pt pCPUs: their LAPIC belongs to the guest)."""
        self._push(self.now + period, K_TICK, ctx.cpu_id, period, 0, 0, 0)
        if self.hv.per_cpu[ctx.cpu_id].lapic_pt or ctx.state == ST_HALTED:
            return
        self._arrive(ctx, ARR_FIXED, TIMER_VECTOR, SRC_HV_OTHER)

    def entry_failure_text(self, vcpu):
        """The reason a VM entry of ``vcpu`` failed, as the VMX instruction reported it."""
        vmcs = vcpu.arch.vmcs
        status = vcpu.arch.entry_status
        if status == 6:
            return "VMfailValid, VM-instruction error %d: %s" % (
                vmcs.instr_error, VMX_INSTR_ERRORS.get(vmcs.instr_error, "?"))
        if status == 7:
            return "VM-entry failure, exit reason 0x%x (%s)" % (vmcs.exit_reason, exit_reason_name(vmcs.exit_reason))
        return EVENTS.get(status, str(status))

    # ---- trace hooks that name vCPUs (no-ops unless a tracer is attached) ------------------------
    def trace_vmentry(self, cpu, vcpu):
        if self.tracer is not None:
            self.tracer.vmentry(self.now, cpu, vcpu)

    def trace_vmexit(self, cpu, vcpu, reason, at):
        if self.tracer is not None:
            self.tracer.vmexit(at, cpu, vcpu, reason)

    def trace_request(self, vcpu, bit, made):
        if self.tracer is not None:
            self.tracer.request(self.now, self.cur_cpu, vcpu, bit, made)

    def trace_kick(self, src, dst, mode):
        if self.tracer is not None:
            self.tracer.kick(self.now, src, dst, mode)

    def trace_sched(self, cpu, prev, thread):
        if self.tracer is not None:
            self.tracer.sched(self.now, cpu, prev, thread)

    def trace_guest_interrupt(self, vcpu, vector, sources, is_nmi):
        if self.tracer is not None:
            self.tracer.guest_interrupt(self.now, vcpu.pcpu_id, vcpu, vector, sources, is_nmi)

    def trace_nmi_window(self, cpu):
        if self.tracer is not None:
            self.tracer.nmi_window(self.now, cpu, self.hv.get_running_vcpu(cpu))

    def trace_nmi_exit(self, cpu, sources):
        if self.tracer is not None:
            self.tracer.nmi(self.now, cpu, sources, True)

    def trace_guest_nmi(self, cpu, vcpu, source, what, where):
        if self.tracer is not None:
            self.tracer.guest_nmi(self.now, cpu, vcpu, source, what, where)
