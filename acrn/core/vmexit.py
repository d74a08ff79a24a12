"""VM-exit dispatch, as in ACRN's ``hypervisor/arch/x86/guest/vmexit.c`` (plus the handlers of the
exits the model's guests cause: vmsr.c, io_emul.c, ept.c, vmcall.c)."""
from acrn.arch_x86.consts import (
    APIC_BASE_X2APIC, APIC_DM_INIT, APIC_DM_NMI, APIC_DM_STARTUP, LVT_CMCI, LVT_LINT0, LVT_LINT1, LVT_MASKED,
    LVT_PMC, LVT_THERMAL, MSR_IA32_APIC_BASE, MSR_IA32_EXT_APIC_EOI, MSR_IA32_EXT_APIC_ICR,
    NR_VMX_EXIT_REASONS, SRC_GUEST_IPI, SRC_LINT1, SRC_PMU, SRC_THERMAL, VMX_EXIT_REASON_BASIC_MASK,
    VMX_EXIT_REASON_CPUID, VMX_EXIT_REASON_EPT_VIOLATION, VMX_EXIT_REASON_EXCEPTION_OR_NMI,
    VMX_EXIT_REASON_EXTERNAL_INTERRUPT, VMX_EXIT_REASON_HLT, VMX_EXIT_REASON_INIT_SIGNAL,
    VMX_EXIT_REASON_INTERRUPT_WINDOW, VMX_EXIT_REASON_IO_INSTRUCTION, VMX_EXIT_REASON_NMI_WINDOW,
    VMX_EXIT_REASON_PAUSE, VMX_EXIT_REASON_RDMSR, VMX_EXIT_REASON_TRIPLE_FAULT, VMX_EXIT_REASON_VMCALL,
    VMX_EXIT_REASON_WRMSR, VMX_INT_INFO_VALID, VMX_INT_TYPE_HW_EXP, VMX_INT_TYPE_NMI, exit_reason_name)
from acrn.arch_x86.lapic_hw import icr_decode, lvt_decode
from acrn.core.defs import (
    ACRN_REQUEST_EVENT, ACRN_REQUEST_NMI, ACRN_REQUEST_TRP_FAULT)
from acrn.core.hypercall import dispatch_hypercall
from acrn.core.io_req import acrn_insert_request
from acrn.core.notify import is_notification_nmi
from acrn.core.pm import rt_vm_pm1a_io_write
from acrn.core.virq import (exception_vmexit_handler, external_interrupt_vmexit_handler,
                            interrupt_window_vmexit_handler, nmi_window_vmexit_handler, vcpu_inject_ud,
                            vcpu_make_request, vcpu_queue_exception, vcpu_retain_rip)
from acrn.core.vmcs import LVT_NMI_MSRS, switch_apicv_mode_x2apic
from acrn.engine.cost import (S_DISPATCH_INTERRUPT, S_EPT_HANDLER, S_EXCEPTION_HANDLER, S_IO_HANDLER, S_MSR_HANDLER,
                              S_VMEXIT_HANDLER)
from acrn.errors import InvalidEncoding

EINVAL = -22
LVT_SOURCES = {LVT_PMC: SRC_PMU, LVT_THERMAL: SRC_THERMAL, LVT_LINT1: SRC_LINT1,
               LVT_LINT0: SRC_LINT1, LVT_CMCI: SRC_THERMAL}


def vmexit_handler(vcpu):
    """vmexit_handler: save the IDT-vectoring info and act on it (hardware exception -> queue it;
    NMI -> ACRN_REQUEST_NMI unless it is a notification NMI, which is only logged and left in place;
    others stay for re-injection), then call dispatch_table[basic exit reason] and return its status.
    The model: the handler's cost step is left in ``arch.handler_step`` (-1: none) for the vCPU thread to
    take; a handler that takes time itself (a generator: port I/O, VMCALL) is called and its
    generator returned, which the vCPU thread runs to its end (its return value is the status)."""
    arch = vcpu.arch
    arch.idt_vectoring_info = arch.vmcs.idt_vectoring_info
    info = arch.idt_vectoring_info
    if info & VMX_INT_INFO_VALID:
        int_type = (info >> 8) & 0x7
        if int_type == VMX_INT_TYPE_HW_EXP:
            vcpu_queue_exception(vcpu, info & 0xFF, arch.vmcs.idt_vectoring_errcode)
            arch.idt_vectoring_info = 0
        elif int_type == VMX_INT_TYPE_NMI:
            if is_notification_nmi(vcpu.vm):
                vcpu.hv.obs.log(vcpu, "delivering NMI was interrupted by a VM exit (left for re-injection)")
            else:
                vcpu_make_request(vcpu, ACRN_REQUEST_NMI)
                arch.idt_vectoring_info = 0
    arch.handler_step = -1
    basic = arch.exit_reason & VMX_EXIT_REASON_BASIC_MASK
    if basic >= NR_VMX_EXIT_REASONS:
        return EINVAL
    handler, step, is_generator = vcpu.hv.dispatch_table[basic]
    if is_generator:
        return handler(vcpu)
    arch.handler_step = step
    return handler(vcpu)


def unhandled_vmexit_handler(vcpu):
    """unhandled_vmexit_handler: an exit nobody handles (a hypervisor fault in the model)."""
    vcpu.hv.obs.fault(vcpu.pcpu_id, "%s: unhandled VM exit, reason %d (%s)" % (
        vcpu.name, vcpu.arch.exit_reason & 0xFFFF, exit_reason_name(vcpu.arch.exit_reason)))
    return 0


def undefined_vmexit_handler(vcpu):
    """undefined_vmexit_handler: inject #UD (after the series, this is what an INIT exit does)."""
    vcpu.hv.obs.log(vcpu, "unhandled VM exit condition: injecting #UD (reason %d)" % (vcpu.arch.exit_reason & 0xFFFF))
    vcpu_inject_ud(vcpu)
    return 0


def triple_fault_vmexit_handler(vcpu):
    """triple_fault_vmexit_handler: the guest triple-faulted: ask for the TRP_FAULT shutdown path."""
    vcpu_make_request(vcpu, ACRN_REQUEST_TRP_FAULT)
    return 0


def init_signal_vmexit_handler_no_retain(vcpu):
    """init_signal_vmexit_handler before the series (fixed by c22f899a5): returns 0 without keeping
    RIP, so the next entry adds a stale instruction length to RIP."""
    return 0


def init_signal_vmexit_handler(vcpu):
    """init_signal_vmexit_handler (2021): an INIT kick; keep RIP, the loop handles the requests."""
    vcpu_retain_rip(vcpu)
    return 0


def cpuid_vmexit_handler(vcpu):
    """cpuid_vmexit_handler: emulate CPUID; RIP advances."""
    return 0


def hlt_vmexit_handler(vcpu):
    """hlt_vmexit_handler: the model's guests resume at once (no vCPU blocking in 2019 ACRN)."""
    return 0


def pause_vmexit_handler(vcpu):
    """pause_vmexit_handler: yield-free PAUSE exit."""
    return 0


def rdmsr_vmexit_handler(vcpu):
    """rdmsr_vmexit_handler: emulate RDMSR."""
    return 0


def wrmsr_vmexit_handler(vcpu):
    """wrmsr_vmexit_handler: emulate WRMSR; a lapic-pt guest's ICR write is forwarded by
    vlapic_x2apic_pt_icr_access."""
    guest = vcpu.guest
    msr = guest.exit_arg0
    value = guest.exit_arg1
    if msr == MSR_IA32_EXT_APIC_ICR and vcpu.arch.lapic_pt_enabled:
        return vlapic_x2apic_pt_icr_access(vcpu, value)
    if msr == MSR_IA32_APIC_BASE:
        return vlapic_set_apicbase(vcpu, value)
    if msr == MSR_IA32_EXT_APIC_EOI and not vcpu.arch.lapic_pt_enabled:
        return vlapic_process_eoi(vcpu)
    if vcpu.arch.lapic_pt_enabled and msr in LVT_NMI_MSRS:
        return vlapic_x2apic_pt_lvt_access(vcpu, LVT_NMI_MSRS[msr], value)
    return 0


def vlapic_x2apic_pt_lvt_access(vcpu, name, value):
    """(not in ACRN: the series' cover letter) An intercepted LVT write of a lapic-pt guest: NMI delivery
    is refused (the entry is written masked, so the source raises nothing); any other value goes to
    the physical LVT."""
    try:
        lvt = lvt_decode(name, value)
    except InvalidEncoding as exc:
        vcpu.hv.obs.log(vcpu, "guest LVT write refused: %s" % exc)
        return 0
    if lvt.delivery_mode == APIC_DM_NMI:
        vcpu.hv.obs.log(vcpu, "LVT %s with NMI delivery filtered (written masked)" % name)
        vcpu.hv.obs.nmi_filtered(LVT_SOURCES.get(name, 0))
        value |= LVT_MASKED
    vcpu.hv.hw[vcpu.pcpu_id].lapic.write_lvt(name, value)
    return 0


def vlapic_process_eoi(vcpu):
    """vlapic_process_eoi: the guest ends the highest interrupt in service; if another vector can now be
    delivered, ask for ACRN_REQUEST_EVENT so that the next VM entry delivers it."""
    if vcpu.vlapic_isr:
        vcpu.vlapic_isr &= ~(1 << (vcpu.vlapic_isr.bit_length() - 1))
    if vcpu.vlapic_pending_intr() >= 0:
        vcpu_make_request(vcpu, ACRN_REQUEST_EVENT)
    return 0


def vlapic_set_apicbase(vcpu, value):
    """vlapic_set_apicbase: the guest turns on x2APIC mode; a lapic-pt VM then gets the physical LAPIC
    (switch_apicv_mode_x2apic)."""
    if (value & APIC_BASE_X2APIC) and vcpu.vm.lapic_pt and not vcpu.arch.lapic_pt_enabled:
        switch_apicv_mode_x2apic(vcpu)
    return 0


def vlapic_x2apic_pt_icr_access(vcpu, value):
    """vlapic_x2apic_pt_icr_access: a lapic-pt guest writes its ICR.  INIT/SIPI are emulated; every
    other delivery mode (fixed, NMI) goes to the physical ICR with the destination translated from the
    guest's vLAPIC ID to the pCPU's physical LAPIC ID."""
    try:
        icr = icr_decode(value)
    except InvalidEncoding as exc:
        vcpu.hv.obs.log(vcpu, "guest ICR write refused: %s" % exc)
        return 0
    if icr.delivery_mode in (APIC_DM_INIT, APIC_DM_STARTUP):
        return 0  # vlapic_process_init_sipi
    vm = vcpu.vm
    if icr.dest >= len(vm.vcpus):
        vcpu.hv.obs.log(vcpu, "guest ICR write to unknown vLAPIC ID %d" % icr.dest)
        return 0
    target = vm.vcpus[icr.dest]
    if icr.delivery_mode == APIC_DM_NMI:
        mode = vcpu.hv.design.guest_nmi
        if mode == "filter":
            vcpu.hv.obs.log(vcpu, "guest NMI IPI to %s filtered (not forwarded)" % target.name)
            vcpu.hv.obs.nmi_filtered(SRC_GUEST_IPI)
            return 0
        if mode == "virtualize":
            target.nmi_sources |= SRC_GUEST_IPI  # emulated: a virtual NMI for the target vCPU
            vcpu_make_request(target, ACRN_REQUEST_NMI)
            return 0
    phys = (vcpu.hv.per_cpu[target.pcpu_id].lapic_id << 32) | (value & 0xFFFFFFFF)
    vcpu.hv.sim.write_icr(vcpu.pcpu_id, phys, SRC_GUEST_IPI)
    return 0


def io_instr_vmexit_handler(vcpu):
    """io_instr_vmexit_handler: emulate port I/O; an RTVM's S5 write to PM1a_CNT goes to the device
    model (acrn_insert_request), which the vCPU polls for in root."""
    port = vcpu.guest.exit_arg0
    value = vcpu.guest.exit_arg1
    yield S_IO_HANDLER
    if not rt_vm_pm1a_io_write(vcpu.vm, port, value):
        yield from acrn_insert_request(vcpu, ("pio", port, value))
    return 0


def ept_violation_vmexit_handler(vcpu):
    """ept_violation_vmexit_handler: MMIO emulation; the decoded instruction length moves RIP on."""
    vcpu.arch.inst_len = vcpu.guest.exit_arg1
    return 0


def vmcall_vmexit_handler(vcpu):
    """vmcall_vmexit_handler: only the service VM may make hypercalls."""
    if not vcpu.vm.is_service:
        vcpu_inject_ud(vcpu)
        yield S_VMEXIT_HANDLER
        return 0
    ret = yield from dispatch_hypercall(vcpu)
    return ret


def build_dispatch_table(design, extra=None):
    """dispatch_table: basic exit reason -> (handler, step, is_generator).  The INIT entry follows the
    design; ``extra`` (from plugins) replaces entries."""
    table = [(unhandled_vmexit_handler, S_VMEXIT_HANDLER, False)] * NR_VMX_EXIT_REASONS
    init_handler = {"no-retain": init_signal_vmexit_handler_no_retain, "retain": init_signal_vmexit_handler,
                    "undefined": undefined_vmexit_handler}[design.init_exit]
    entries = {
        VMX_EXIT_REASON_EXCEPTION_OR_NMI: (exception_vmexit_handler, S_EXCEPTION_HANDLER, False),
        VMX_EXIT_REASON_EXTERNAL_INTERRUPT: (external_interrupt_vmexit_handler, S_DISPATCH_INTERRUPT, False),
        VMX_EXIT_REASON_TRIPLE_FAULT: (triple_fault_vmexit_handler, S_VMEXIT_HANDLER, False),
        VMX_EXIT_REASON_INIT_SIGNAL: (init_handler, S_VMEXIT_HANDLER, False),
        VMX_EXIT_REASON_INTERRUPT_WINDOW: (interrupt_window_vmexit_handler, S_VMEXIT_HANDLER, False),
        VMX_EXIT_REASON_NMI_WINDOW: (nmi_window_vmexit_handler, S_VMEXIT_HANDLER, False),
        VMX_EXIT_REASON_CPUID: (cpuid_vmexit_handler, S_VMEXIT_HANDLER, False),
        VMX_EXIT_REASON_HLT: (hlt_vmexit_handler, S_VMEXIT_HANDLER, False),
        VMX_EXIT_REASON_VMCALL: (vmcall_vmexit_handler, S_VMEXIT_HANDLER, True),
        VMX_EXIT_REASON_IO_INSTRUCTION: (io_instr_vmexit_handler, S_IO_HANDLER, True),
        VMX_EXIT_REASON_RDMSR: (rdmsr_vmexit_handler, S_MSR_HANDLER, False),
        VMX_EXIT_REASON_WRMSR: (wrmsr_vmexit_handler, S_MSR_HANDLER, False),
        VMX_EXIT_REASON_PAUSE: (pause_vmexit_handler, S_VMEXIT_HANDLER, False),
        VMX_EXIT_REASON_EPT_VIOLATION: (ept_violation_vmexit_handler, S_EPT_HANDLER, False),
    }
    entries.update(extra or {})
    for reason, entry in entries.items():
        table[reason] = entry
    return table
