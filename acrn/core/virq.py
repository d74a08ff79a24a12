"""Virtual interrupts and requests, as in ACRN's ``hypervisor/arch/x86/guest/virq.c``.

Same functions, same order as the C file: vcpu_make_request, vcpu_queue_exception, the inject helpers,
the window/interrupt/exception exit handlers and acrn_handle_pending_request.
"""
from acrn.arch_x86.consts import (
    IDT_BP, IDT_DB, IDT_DF, IDT_GP, IDT_MC, IDT_NMI, IDT_PF, IDT_UD, VMX_INTR_MOVSS_BLOCKING,
    VMX_INTR_NMI_BLOCKING, VMX_INTR_STI_BLOCKING, VMX_INT_INFO_ERR_CODE_VALID, VMX_INT_INFO_VALID,
    VMX_INT_TYPE_EXT_INT, VMX_INT_TYPE_HW_EXP, VMX_INT_TYPE_NMI, VMX_PINBASED_CTLS_VIRT_NMI,
    VMX_PROCBASED_CTLS_IRQ_WIN, VMX_PROCBASED_CTLS_NMI_WINEXIT)
from acrn.core.defs import (
    ACRN_REQUEST_EOI_EXIT_BITMAP_UPDATE, ACRN_REQUEST_EPT_FLUSH, ACRN_REQUEST_EVENT, ACRN_REQUEST_EXCP,
    ACRN_REQUEST_EXTINT, ACRN_REQUEST_INIT_VMCS, ACRN_REQUEST_NMI, ACRN_REQUEST_SMP_CALL,
    ACRN_REQUEST_TRP_FAULT, ACRN_REQUEST_VPID_FLUSH)
from acrn.core.vmcs import init_vmcs

# SDM 6.15 Table 6-4: exception classes for double-fault generation
EXCEPTION_CLASS_BENIGN = 1
EXCEPTION_CLASS_CONT = 2
EXCEPTION_CLASS_PF = 3
_CONTRIBUTORY = frozenset((0, 10, 11, 12, 13))
# SDM 6.3.1 / Table 6-1: exceptions that push an error code
_ERROR_CODE_VECTORS = frozenset((8, 10, 11, 12, 13, 14, 17, 21))
# exceptions injected before anything else (vcpu_inject_hi_exception)
_HI_EXCEPTIONS = frozenset((IDT_MC, IDT_BP, IDT_DB))


def get_excep_class(vector):
    """get_excep_class: benign, contributory or page fault (SDM 6.15)."""
    if vector == IDT_PF:
        return EXCEPTION_CLASS_PF
    if vector in _CONTRIBUTORY:
        return EXCEPTION_CLASS_CONT
    return EXCEPTION_CLASS_BENIGN


def vcpu_make_request(vcpu, eventid):
    """vcpu_make_request: set the request bit atomically, then kick the vCPU so it sees it."""
    vcpu.arch.pending_req |= 1 << eventid
    vcpu.hv.obs.request_made(vcpu, eventid)
    kick_vcpu(vcpu)


def vcpu_queue_exception(vcpu, vector, err_code):
    """vcpu_queue_exception: record an exception for injection, folding into #DF / triple fault
    (SDM 6.15).  During the series an NMI queued on a lapic-pt VM is taken as a notification: the
    vector is recorded but no EXCP request is made, so it is dropped."""
    if vector >= 32:
        return -1
    prev_vector = vcpu.arch.exception
    prev_class = get_excep_class(prev_vector) if prev_vector >= 0 else EXCEPTION_CLASS_BENIGN
    new_class = get_excep_class(vector)
    if prev_vector == IDT_DF and new_class != EXCEPTION_CLASS_BENIGN:
        vcpu_make_request(vcpu, ACRN_REQUEST_TRP_FAULT)  # triple fault: shutdown
        return 0
    if (prev_class == EXCEPTION_CLASS_CONT and new_class == EXCEPTION_CLASS_CONT) or \
            (prev_class == EXCEPTION_CLASS_PF and new_class != EXCEPTION_CLASS_BENIGN):
        vector, err_code = IDT_DF, 0
    vcpu.arch.exception = vector
    vcpu.arch.exception_error = err_code if vector in _ERROR_CODE_VECTORS else 0
    if vector == IDT_NMI:
        if is_notification_nmi(vcpu.vm):
            vcpu.hv.obs.nmi_consumed(vcpu.pcpu_id, vcpu.exit_nmi_sources, "as a kick")  # model: whose NMI
            return 0  # the series: a notification NMI is not re-injected
        vcpu.nmi_sources |= vcpu.exit_nmi_sources  # model attribution: this NMI goes to the guest
    vcpu_make_request(vcpu, ACRN_REQUEST_EXCP)
    return 0


def vcpu_inject_exception(vcpu):
    """vcpu_inject_exception: write the queued exception into the VM-entry interruption info."""
    vector = vcpu.arch.exception
    int_type = VMX_INT_TYPE_NMI if vector == IDT_NMI else VMX_INT_TYPE_HW_EXP
    info = VMX_INT_INFO_VALID | (int_type << 8) | vector
    if vector in _ERROR_CODE_VECTORS:
        info |= VMX_INT_INFO_ERR_CODE_VALID
        vcpu.arch.vmcs.entry_exc_errcode = vcpu.arch.exception_error
    vcpu.arch.vmcs.entry_int_info = info
    vcpu.arch.exception = -1
    vcpu_retain_rip(vcpu)  # the faulting instruction is not complete


def vcpu_inject_hi_exception(vcpu):
    """vcpu_inject_hi_exception: #MC, #BP and #DB go before NMIs and interrupts."""
    if vcpu.arch.exception in _HI_EXCEPTIONS and _test_and_clear(vcpu, ACRN_REQUEST_EXCP):
        vcpu_inject_exception(vcpu)
        return True
    return False


def vcpu_inject_lo_exception(vcpu):
    """vcpu_inject_lo_exception: any other queued exception, when nothing else was injected."""
    if vcpu.arch.exception >= 0 and _test_and_clear(vcpu, ACRN_REQUEST_EXCP):
        vcpu_inject_exception(vcpu)
        return True
    return False


def vcpu_inject_extint(vcpu):
    """vcpu_inject_extint: the vPIC has an interrupt (service VM's BSP only)."""
    vcpu_make_request(vcpu, ACRN_REQUEST_EXTINT)


def vcpu_inject_nmi(vcpu):
    """vcpu_inject_nmi: ask for a virtual NMI (the vLAPIC's NMI paths; not filtered by the series)."""
    vcpu_make_request(vcpu, ACRN_REQUEST_NMI)


def vcpu_inject_gp(vcpu, err_code):
    """vcpu_inject_gp: queue #GP(err_code)."""
    vcpu_queue_exception(vcpu, IDT_GP, err_code)


def vcpu_inject_ud(vcpu):
    """vcpu_inject_ud: queue #UD."""
    vcpu_queue_exception(vcpu, IDT_UD, 0)


def vcpu_retain_rip(vcpu):
    """vcpu_retain_rip: the next VM entry resumes at the same RIP (inst_len := 0)."""
    vcpu.arch.inst_len = 0


def interrupt_window_vmexit_handler(vcpu):
    """interrupt_window_vmexit_handler: disarm interrupt-window exiting; the loop then injects."""
    vcpu.arch.vmcs.proc_ctls &= ~VMX_PROCBASED_CTLS_IRQ_WIN
    vcpu.arch.irq_window_enabled = False
    vcpu_retain_rip(vcpu)
    return 0


def external_interrupt_vmexit_handler(vcpu):
    """external_interrupt_vmexit_handler: run the host handler of the acknowledged vector."""
    info = vcpu.arch.vmcs.exit_int_info
    if (info & VMX_INT_INFO_VALID) and (info >> 8) & 0x7 == VMX_INT_TYPE_EXT_INT:
        dispatch_interrupt(vcpu.hv, vcpu.pcpu_id, info & 0xFF)
    vcpu_retain_rip(vcpu)
    return 0


def acrn_handle_pending_request(vcpu):
    """acrn_handle_pending_request, in ACRN's order:
    1 INIT_VMCS; 2 TRP_FAULT -> -EFAULT; 3 EPT_FLUSH, VPID_FLUSH, EOI_EXIT_BITMAP_UPDATE;
    4 high-priority exceptions; 5 NMI, else re-inject a valid IDT-vectoring event; 6 EXTINT then EVENT;
    7 other exceptions if nothing was injected; 8 arm the interrupt window if interrupts wait.
    SMP_CALL (2022) is served right after the flushes."""
    arch = vcpu.arch
    vmcs = arch.vmcs
    if _test_and_clear(vcpu, ACRN_REQUEST_INIT_VMCS):
        init_vmcs(vcpu)
    if _test_and_clear(vcpu, ACRN_REQUEST_TRP_FAULT):
        return -14  # -EFAULT: the vCPU becomes a zombie
    _test_and_clear(vcpu, ACRN_REQUEST_EPT_FLUSH)  # invept (normal and secure world)
    _test_and_clear(vcpu, ACRN_REQUEST_VPID_FLUSH)  # flush_vpid_single
    _test_and_clear(vcpu, ACRN_REQUEST_EOI_EXIT_BITMAP_UPDATE)  # vcpu_set_vmcs_eoi_exit
    if _test_and_clear(vcpu, ACRN_REQUEST_SMP_CALL):
        handle_smp_call(vcpu.hv, vcpu.pcpu_id)
    injected = vcpu_inject_hi_exception(vcpu)
    if not injected:
        if (arch.pending_req >> ACRN_REQUEST_NMI) & 1 and vcpu.hv.nmi_injection_checked \
                and not is_nmi_injectable(vcpu):
            enable_nmi_window(vcpu)  # ACRN 2021: the NMI waits; the request stays pending
        elif _test_and_clear(vcpu, ACRN_REQUEST_NMI):
            # no check of NMI blocking here: the entry fails if the guest is virtual-NMI blocked
            vmcs.entry_int_info = VMX_INT_INFO_VALID | (VMX_INT_TYPE_NMI << 8) | IDT_NMI
            injected = True
        elif arch.idt_vectoring_info & VMX_INT_INFO_VALID:
            vmcs.entry_int_info = arch.idt_vectoring_info
            arch.idt_vectoring_info = 0
            injected = True
    if not injected:
        injected = acrn_inject_pending_intr(vcpu)
    if not injected:
        injected = vcpu_inject_lo_exception(vcpu)
    if not arch.irq_window_enabled:
        if (arch.pending_req >> ACRN_REQUEST_EXTINT) & 1 or vcpu.vlapic_has_pending_intr():
            vmcs.proc_ctls |= VMX_PROCBASED_CTLS_IRQ_WIN
            arch.irq_window_enabled = True
    return 0


def is_nmi_injectable(vcpu):
    """is_nmi_injectable (2021): no (virtual-)NMI blocking and no STI/MOV-SS blocking (SDM 26.3.1.5)."""
    return not (vcpu.arch.vmcs.guest_interruptibility
                & (VMX_INTR_NMI_BLOCKING | VMX_INTR_STI_BLOCKING | VMX_INTR_MOVSS_BLOCKING))


def enable_nmi_window(vcpu):
    """Exit as soon as an NMI can be injected: NMI-window exiting (needs virtual NMIs, SDM 26.2.1.1), or
    the interrupt window without them (ACRN 2021 and KVM's fallback)."""
    vmcs = vcpu.arch.vmcs
    if vmcs.pin_ctls & VMX_PINBASED_CTLS_VIRT_NMI:
        vmcs.proc_ctls |= VMX_PROCBASED_CTLS_NMI_WINEXIT
    else:
        vmcs.proc_ctls |= VMX_PROCBASED_CTLS_IRQ_WIN
        vcpu.arch.irq_window_enabled = True


def acrn_inject_pending_intr(vcpu):
    """acrn_inject_pending_intr: EXTINT (vPIC) then EVENT (vLAPIC) when the guest can take one."""
    vmcs = vcpu.arch.vmcs
    guest_ready = (vmcs.guest_rflags & (1 << 9)) and not (
        vmcs.guest_interruptibility & (VMX_INTR_STI_BLOCKING | VMX_INTR_MOVSS_BLOCKING))
    if _test_and_clear(vcpu, ACRN_REQUEST_EVENT):
        if vcpu.vm.lapic_pt:
            vcpu.hv.obs.log(vcpu, "ptapic_inject_intr: EVENT request on a lapic-pt vCPU (error, ignored)")
            return False
        if guest_ready:
            vector = vcpu.vlapic_take_pending()
            if vector >= 0:
                vmcs.entry_int_info = VMX_INT_INFO_VALID | (VMX_INT_TYPE_EXT_INT << 8) | vector
                return True
    return False


def exception_vmexit_handler(vcpu):
    """exception_vmexit_handler: read the exit interruption info, keep RIP, queue the exception.
    For an NMI exit this is vcpu_queue_exception(2, 0), which the series turns into a drop."""
    info = vcpu.arch.vmcs.exit_int_info
    vector = -1
    err = 0
    if info & VMX_INT_INFO_VALID:
        vector = info & 0xFF
        if info & VMX_INT_INFO_ERR_CODE_VALID:
            err = vcpu.arch.vmcs.exit_int_errcode
    vcpu_retain_rip(vcpu)
    if vector == IDT_NMI and vcpu.hv.handle_nmi_poll and vcpu.vm.lapic_pt:
        handle_nmi_exit_sources(vcpu)
    elif vector >= 0:
        vcpu_queue_exception(vcpu, vector, err)
    return 0


def handle_nmi_exit_sources(vcpu):
    """(not in ACRN: the nmi-vnmi design) An NMI exit on a lapic-pt vCPU: the exit itself answers a kick;
    every guest source found pending becomes one virtual NMI (ACRN_REQUEST_NMI)."""
    kick, guest = poll_nmi_sources(vcpu.hv, vcpu.pcpu_id, vcpu)
    if guest:
        vcpu.nmi_sources = guest
        vcpu_make_request(vcpu, ACRN_REQUEST_NMI)


def nmi_window_vmexit_handler(vcpu):
    """nmi_window_vmexit_handler (the series): disarm NMI-window exiting, keep RIP.  The next pass
    of the vCPU loop handles the requests that the race left pending."""
    vcpu.arch.vmcs.proc_ctls &= ~VMX_PROCBASED_CTLS_NMI_WINEXIT
    vcpu_retain_rip(vcpu)
    return 0


def _test_and_clear(vcpu, bit):
    """bitmap_test_and_clear_lock on pending_req, reporting the handled request to the observer."""
    mask = 1 << bit
    if vcpu.arch.pending_req & mask:
        vcpu.arch.pending_req &= ~mask
        vcpu.hv.obs.request_handled(vcpu, bit)
        return True
    return False


# imported last: these modules import this one (a cycle); every function above is defined by then
from acrn.core.irq import dispatch_interrupt, poll_nmi_sources  # noqa: E402
from acrn.core.notify import handle_smp_call, is_notification_nmi  # noqa: E402
from acrn.core.vcpu import kick_vcpu  # noqa: E402
