"""vCPUs, as in ACRN's ``hypervisor/arch/x86/guest/vcpu.c`` (``struct acrn_vcpu``)."""
from acrn.arch_x86.pcpu import EV_ENTERED
from acrn.arch_x86.vmx import Vmcs
from acrn.core.defs import (
    ACRN_REQUEST_EVENT, SCHED_NOTIFY_IPI, VCPU_INIT, VCPU_OFFLINE, VCPU_RUNNING, VCPU_STATES)
from acrn.core.schedule import ThreadObject, kick_thread, sleep_thread, wake_thread
from acrn.engine.cost import S_PAUSE_VCPU, S_RUN_VCPU, S_SPIN
from acrn.engine.ops import OP_ENTER, OP_WAIT


class AcrnVcpuArch:
    """struct acrn_vcpu_arch: the fields the notification path reads and writes."""

    def __init__(self, vmcs):
        self.vmcs = vmcs
        self.pending_req = 0
        self.exception = -1  # exception_info.exception (VECTOR_INVALID = -1)
        self.exception_error = 0
        self.irq_window_enabled = False
        self.idt_vectoring_info = 0
        self.inst_len = 0
        self.exit_reason = 0
        self.exit_qualification = 0
        self.nrexits = 0
        self.lapic_pt_enabled = False  # switch_apicv_mode_x2apic done
        self.entry_status = 0  # model: what the last VMLAUNCH/VMRESUME returned (pcpu.EV_*)
        self.handler_step = -1  # model: the cost step of the last exit's handler (vmexit_handler), -1: none


class AcrnVcpu:
    """struct acrn_vcpu.  ``guest`` is the model of the software running inside (engine.guest)."""

    def __init__(self, hv, vm, vcpu_id, pcpu_id):
        self.hv = hv
        self.vm = vm
        self.vcpu_id = vcpu_id
        self.pcpu_id = pcpu_id
        self.state = VCPU_INIT
        self.prev_state = VCPU_INIT
        self.launched = False
        self.running = False
        self.arch = AcrnVcpuArch(Vmcs("%s:vcpu%d" % (vm.name, vcpu_id)))
        self.thread_obj = ThreadObject("vcpu%d:%s" % (vcpu_id, vm.name), pcpu_id, None, self)
        self.vlapic_pending = 0  # the vLAPIC IRR of a non-lapic-pt vCPU (bitmap)
        self.vlapic_isr = 0  # the vLAPIC ISR: vectors delivered and not yet EOIed (bitmap)
        self.guest = None
        self.sched_weight = 1
        # model attribution, for the invariants only (hypervisor logic never reads these): the tags of the
        # NMI behind the last NMI exit, and of the virtual NMI the next injection delivers
        self.exit_nmi_sources = 0
        self.nmi_sources = 0
        self.name = "%s:vcpu%d" % (vm.name, vcpu_id)  # fixed for the vCPU's life (read on every record)

    def vlapic_pending_intr(self):
        """vlapic_pending_intr: the highest IRR vector whose priority class is above the highest in-service
        one (SDM 10.8.3.1 with TPR 0), or -1."""
        if not self.vlapic_pending:
            return -1
        vector = self.vlapic_pending.bit_length() - 1
        if self.vlapic_isr and (vector >> 4) <= ((self.vlapic_isr.bit_length() - 1) >> 4):
            return -1
        return vector

    def vlapic_has_pending_intr(self):
        """vlapic_has_pending_intr (no APICv: the interrupt window delivers)."""
        return not self.vm.lapic_pt and self.vlapic_pending_intr() >= 0

    def vlapic_take_pending(self):
        """vlapic_pending_intr + vlapic_intr_accepted: the deliverable vector moves from IRR to ISR; -1 if
        none is deliverable."""
        vector = self.vlapic_pending_intr()
        if vector >= 0:
            self.vlapic_pending &= ~(1 << vector)
            self.vlapic_isr |= 1 << vector
        return vector

    def __repr__(self):
        return "<vcpu %s on pCPU%d %s>" % (self.name, self.pcpu_id, VCPU_STATES[self.state])


def is_lapic_pt_enabled(vcpu):
    """is_lapic_pt_enabled: the vCPU runs with its LAPIC passed through (x2APIC switch done)."""
    return vcpu.arch.lapic_pt_enabled


def vcpu_set_intr(vcpu, vector):
    """vlapic_set_intr on a non-lapic-pt vCPU: set the vIRR bit and request EVENT (kicks)."""
    vcpu.vlapic_pending |= 1 << vector
    virq.vcpu_make_request(vcpu, ACRN_REQUEST_EVENT)


def kick_vcpu(vcpu):
    """kick_vcpu: make the vCPU notice a new request (kick_thread on its thread_object)."""
    kick_thread(vcpu.hv, vcpu.thread_obj)


def context_switch_out(obj):
    """context_switch_out: the vCPU no longer runs (vcpu->running = false)."""
    obj.data.running = False


def context_switch_in(obj):
    """context_switch_in: load_vmcs (VMPTRLD) and vcpu->running = true."""
    vcpu = obj.data
    hv = vcpu.hv
    hv.hw[vcpu.pcpu_id].vmptrld(vcpu.arch.vmcs)
    hv.per_cpu[vcpu.pcpu_id].vmcs_run = vcpu.arch.vmcs
    hv.per_cpu[vcpu.pcpu_id].ever_run_vcpu = vcpu
    vcpu.running = True


def run_vcpu(vcpu: AcrnVcpu):
    """run_vcpu: VMLAUNCH the first time, else RIP += inst_len and VMRESUME; afterwards read the exit
    reason and instruction length.  Returns 0, or -1 when the entry failed."""
    vmcs = vcpu.arch.vmcs
    if vcpu.launched:
        vmcs.guest_rip += vcpu.arch.inst_len
    yield S_RUN_VCPU
    yield OP_ENTER
    if vcpu.arch.entry_status != EV_ENTERED:
        return -1
    vcpu.launched = True
    vcpu.arch.exit_reason = vmcs.exit_reason
    vcpu.arch.inst_len = vmcs.exit_inst_len
    vcpu.arch.exit_qualification = vmcs.exit_qual
    return 0


def launch_vcpu(vcpu):
    """launch_vcpu: mark the vCPU running and wake its thread."""
    vcpu.prev_state = vcpu.state
    vcpu.state = VCPU_RUNNING
    wake_thread(vcpu.hv, vcpu.thread_obj)


def pause_vcpu(vcpu, new_state):
    """pause_vcpu: change state, sleep the thread (which kicks its pCPU), and, when the vCPU runs on
    another pCPU, spin until it has really stopped (vcpu->running == false)."""
    hv = vcpu.hv
    pcpu_id = hv.get_pcpu_id()
    vcpu.prev_state = vcpu.state
    vcpu.state = new_state
    sleep_thread(hv, vcpu.thread_obj)
    yield S_PAUSE_VCPU
    if vcpu.pcpu_id != pcpu_id:
        yield (OP_WAIT, lambda: not vcpu.running, S_SPIN)


def reset_vcpu(vcpu):
    """reset_vcpu: back to INIT state, notify mode IPI, no pending requests."""
    vcpu.state = VCPU_INIT
    vcpu.launched = False
    vcpu.arch.pending_req = 0
    vcpu.arch.exception = -1
    vcpu.arch.idt_vectoring_info = 0
    vcpu.arch.irq_window_enabled = False
    vcpu.arch.lapic_pt_enabled = False
    vcpu.thread_obj.notify_mode = SCHED_NOTIFY_IPI


def offline_vcpu(vcpu):
    """offline_vcpu: the scheduler forgets the thread; the vCPU is OFFLINE."""
    ctl = vcpu.hv.per_cpu[vcpu.pcpu_id].sched_ctl
    ctl.scheduler.deinit_data(ctl, vcpu.thread_obj)
    vcpu.state = VCPU_OFFLINE


# imported last, as a module: virq imports this one (a cycle).  Compiled, virq's cimport of this module's
# types runs this body before virq's own, so its functions are looked up when called, not here.
from acrn.core import virq  # noqa: E402
