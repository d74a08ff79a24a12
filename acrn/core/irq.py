"""Host interrupt and NMI handling, as in ACRN's ``hypervisor/arch/x86/irq.c`` (``nmi.c`` after 2021)."""
from acrn.arch_x86.consts import (
    NMI_SC_IOCHK, NMI_SC_SERR, NOTIFY_VCPU_VECTOR, SRC_DEVICE_MSI, SRC_LINT1, SRC_PMU, SRC_THERMAL,
    TIMER_VECTOR, VMX_PROCBASED_CTLS_NMI_WINEXIT)
from acrn.core.defs import (
    ACRN_REQUEST_NMI)


def dispatch_interrupt(hv, pcpu_id, vector):
    """dispatch_interrupt: run the handler registered for ``vector`` and EOI the LAPIC.

    ACRN's fixed vectors: TIMER (hv timer softirq -> scheduler tick), NOTIFY_VCPU (kick_notification:
    smp_call).  Anything else is a spurious vector here (logged)."""
    if vector == NOTIFY_VCPU_VECTOR:
        kick_notification(hv, pcpu_id, vector)
    elif vector == TIMER_VECTOR:
        ctl = hv.per_cpu[pcpu_id].sched_ctl
        ctl.scheduler.tick(ctl)
    else:
        hv.obs.log(None, "pCPU%d: spurious host vector 0x%x" % (pcpu_id, vector))
    hv.hw[pcpu_id].lapic.eoi()


def handle_nmi(hv, pcpu_id):
    """handle_nmi: the host IDT's NMI handler (idt.S excp_nmi -> handle_nmi -> IRET).

    - "nmi-window" (the series, a13909ced): set NMI-window exiting in the *current* VMCS, whatever
      this pCPU is doing, unchecked, so that a request made after acrn_handle_pending_request still
      forces an exit right after the coming VM entry.
    - "reflect" (2021, nmi.c): make ACRN_REQUEST_NMI for the vCPU running here (a root-mode NMI is
      the guest's, e.g. a PMI).
    - "poll" (nmi-vnmi, beyond ACRN): find out why the NMI came (``poll_nmi_sources``); a kick arms the
      NMI window as in the series; the guest's own NMIs become ACRN_REQUEST_NMI for the vCPU here,
      with the NMI window armed too, since this may be after acrn_handle_pending_request.
    - "none": the NMI is consumed and nothing else happens."""
    mode = hv.design.handle_nmi
    if mode == "none" or mode == "nmi-window":
        hv.obs.nmi_consumed(pcpu_id, hv.hw[pcpu_id].last_sources, "in root")  # model: whose NMI this was
    if mode == "nmi-window":
        exec_vmwrite_or_fault(hv, pcpu_id, "proc_ctls", VMX_PROCBASED_CTLS_NMI_WINEXIT)
        hv.obs.nmi_window_armed(pcpu_id)
    elif mode == "reflect":
        vcpu = hv.get_running_vcpu(pcpu_id)
        if vcpu is not None:
            vcpu.nmi_sources |= hv.hw[pcpu_id].last_sources  # model attribution of the reflected NMI
            vcpu_make_request(vcpu, ACRN_REQUEST_NMI)
    elif mode == "poll":
        vcpu = hv.get_running_vcpu(pcpu_id)
        kick, guest = poll_nmi_sources(hv, pcpu_id, vcpu)
        if guest and vcpu is not None:
            vcpu.nmi_sources = guest
            vcpu_make_request(vcpu, ACRN_REQUEST_NMI)
        if kick or guest:
            exec_vmwrite_or_fault(hv, pcpu_id, "proc_ctls", VMX_PROCBASED_CTLS_NMI_WINEXIT)
            hv.obs.nmi_window_armed(pcpu_id)
        else:
            hv.obs.log(None, "pCPU%d: NMI with no pending source (merged into one already handled)" % pcpu_id)


def poll_nmi_sources(hv, pcpu_id, vcpu):
    """(not in ACRN: the nmi-vnmi design) Read and clear every place that says why an NMI came, as an OS
    NMI handler does because NMIs coalesce: the sender's kick flag, PMU overflow status, thermal status,
    the external-NMI reason port, and the pending bit of each passthrough device whose MSI targets this
    pCPU with NMI delivery.  Returns (kick, model tags of the guest's sources found)."""
    pc = hv.per_cpu[pcpu_id]
    hw = hv.hw[pcpu_id]
    kick = pc.nmi_kick_pending
    pc.nmi_kick_pending = False
    guest = 0
    if hw.perf_global_status:
        hw.perf_global_status = 0  # WRMSR IA32_PERF_GLOBAL_OVF_CTRL
        guest |= SRC_PMU
    if hw.therm_status:
        hw.therm_status = 0
        guest |= SRC_THERMAL
    if hw.nmi_sc & (NMI_SC_SERR | NMI_SC_IOCHK):
        hw.nmi_sc = 0
        guest |= SRC_LINT1
    for dev in hv.pt_devices:
        if dev.pending_nmi and dev.dest_pcpu == pcpu_id:
            dev.pending_nmi = False
            guest |= SRC_DEVICE_MSI
    if guest and (vcpu is None or not vcpu.vm.lapic_pt):
        hv.obs.log(None, "pCPU%d: guest NMI source found with no lapic-pt vCPU running: dropped" % pcpu_id)
        hv.obs.nmi_filtered(guest)
        guest = 0
    return kick, guest


def exec_vmwrite_or_fault(hv, pcpu_id, field, bits):
    """VMWRITE (OR-ing ``bits`` into ``field``) of the pCPU's current VMCS.  Without a current VMCS the
    instruction fails (VMfailInvalid) and ACRN does not check: the model reports it."""
    vmcs = hv.hw[pcpu_id].vmcs
    if vmcs is None:
        hv.obs.fault(pcpu_id, "VMWRITE of %s with no current VMCS (VMfailInvalid, unchecked)" % field)
        return False
    setattr(vmcs, field, getattr(vmcs, field) | bits)
    return True


# imported last: these modules import this one (a cycle); every function above is defined by then
from acrn.core.notify import kick_notification  # noqa: E402
from acrn.core.virq import vcpu_make_request  # noqa: E402
