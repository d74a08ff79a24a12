"""Host interrupt and NMI handling, as in ACRN's ``hypervisor/arch/x86/irq.c`` (``nmi.c`` after 2021)."""
from acrn.arch_x86 import consts as C
from acrn.core import defs as D


def dispatch_interrupt(hv, pcpu_id, vector):
    """dispatch_interrupt: run the handler registered for ``vector`` and EOI the LAPIC.

    ACRN's fixed vectors: TIMER (hv timer softirq -> scheduler tick), NOTIFY_VCPU (kick_notification:
    smp_call).  Anything else is a spurious vector here (logged)."""
    from acrn.core.notify import kick_notification

    if vector == C.NOTIFY_VCPU_VECTOR:
        kick_notification(hv, pcpu_id, vector)
    elif vector == C.TIMER_VECTOR:
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
    - "none": the NMI is consumed and nothing else happens."""
    from acrn.core.virq import vcpu_make_request

    mode = hv.design.handle_nmi
    if mode == "nmi-window":
        exec_vmwrite_or_fault(hv, pcpu_id, "proc_ctls", C.VMX_PROCBASED_CTLS_NMI_WINEXIT)
        hv.obs.nmi_window_armed(pcpu_id)
    elif mode == "reflect":
        vcpu = hv.get_running_vcpu(pcpu_id)
        if vcpu is not None:
            vcpu_make_request(vcpu, D.ACRN_REQUEST_NMI)


def exec_vmwrite_or_fault(hv, pcpu_id, field, bits):
    """VMWRITE (OR-ing ``bits`` into ``field``) of the pCPU's current VMCS.  Without a current VMCS the
    instruction fails (VMfailInvalid) and ACRN does not check: the model reports it."""
    vmcs = hv.hw[pcpu_id].vmcs
    if vmcs is None:
        hv.obs.fault(pcpu_id, "VMWRITE of %s with no current VMCS (VMfailInvalid, unchecked)" % field)
        return False
    setattr(vmcs, field, getattr(vmcs, field) | bits)
    return True
