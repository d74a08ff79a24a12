"""VMCS set-up, as in ACRN's ``hypervisor/arch/x86/guest/vmcs.c``."""
from acrn.arch_x86.consts import (
    LVT_CMCI, LVT_LINT0, LVT_LINT1, LVT_PMC, LVT_REGISTERS, LVT_THERMAL, MSR_IA32_EXT_APIC_ICR,
    VMX_EXIT_CTLS_ACK_IRQ, VMX_EXIT_CTLS_HOST_ADDR64, VMX_PINBASED_CTLS_IRQ_EXIT, VMX_PINBASED_CTLS_NMI_EXIT,
    VMX_PINBASED_CTLS_POST_IRQ, VMX_PINBASED_CTLS_VIRT_NMI, VMX_PROCBASED_CTLS2_EPT,
    VMX_PROCBASED_CTLS2_VAPIC, VMX_PROCBASED_CTLS2_VAPIC_REGS, VMX_PROCBASED_CTLS2_VIRQ,
    VMX_PROCBASED_CTLS2_VPID, VMX_PROCBASED_CTLS_HLT, VMX_PROCBASED_CTLS_IO_BITMAP,
    VMX_PROCBASED_CTLS_MSR_BITMAP, VMX_PROCBASED_CTLS_SECONDARY, VMX_PROCBASED_CTLS_TPR_SHADOW,
    VMX_PROCBASED_CTLS_TSC_OFF)
from acrn.core import defs as D

# LVT entries whose delivery mode can be NMI (SDM 10.5.1): x2APIC MSR -> LVT name
LVT_NMI_MSRS = {LVT_REGISTERS[name][1]: name for name in (LVT_CMCI, LVT_THERMAL, LVT_PMC, LVT_LINT0,
                                                          LVT_LINT1)}


def init_vmcs(vcpu):
    """init_vmcs: the controls every vCPU starts with: external-interrupt exiting with ack-on-exit,
    HLT exiting, MSR/IO bitmaps, TPR shadow; no NMI exiting (normal guests keep their NMIs)."""
    vmcs = vcpu.arch.vmcs
    vmcs.pin_ctls = VMX_PINBASED_CTLS_IRQ_EXIT
    vmcs.proc_ctls = (VMX_PROCBASED_CTLS_TSC_OFF | VMX_PROCBASED_CTLS_TPR_SHADOW | VMX_PROCBASED_CTLS_IO_BITMAP
                      | VMX_PROCBASED_CTLS_MSR_BITMAP | VMX_PROCBASED_CTLS_HLT | VMX_PROCBASED_CTLS_SECONDARY)
    vmcs.proc_ctls2 = VMX_PROCBASED_CTLS2_EPT | VMX_PROCBASED_CTLS2_VPID | VMX_PROCBASED_CTLS2_VAPIC
    vmcs.exit_ctls = VMX_EXIT_CTLS_ACK_IRQ | VMX_EXIT_CTLS_HOST_ADDR64
    vmcs.guest_rflags = 0x2 | (1 << 9)  # the model's guests run with IF=1 after boot
    vmcs.guest_rip = 0x1000
    vmcs.msr_write_trapped = set()


def switch_apicv_mode_x2apic(vcpu):
    """switch_apicv_mode_x2apic: when a lapic-pt guest turns on x2APIC, hand it the physical LAPIC.

    pin: no external-interrupt exiting, no posted interrupts; NMI exiting + virtual NMIs when the
    design uses NMI notification.  exit: no ack-on-exit.  proc: no TPR shadow; secondary: no APIC
    virtualization.  x2APIC MSRs pass through except ICR writes.  notify_mode follows the design."""
    vmcs = vcpu.arch.vmcs
    design = vcpu.hv.design
    vmcs.pin_ctls &= ~(VMX_PINBASED_CTLS_IRQ_EXIT | VMX_PINBASED_CTLS_POST_IRQ)
    if design.lapic_pt_nmi_exiting:
        vmcs.pin_ctls |= VMX_PINBASED_CTLS_NMI_EXIT | VMX_PINBASED_CTLS_VIRT_NMI
    vmcs.exit_ctls &= ~VMX_EXIT_CTLS_ACK_IRQ
    vmcs.proc_ctls &= ~VMX_PROCBASED_CTLS_TPR_SHADOW
    vmcs.tpr_threshold = 0
    vmcs.proc_ctls2 &= ~(VMX_PROCBASED_CTLS2_VAPIC | VMX_PROCBASED_CTLS2_VIRQ | VMX_PROCBASED_CTLS2_VAPIC_REGS)
    vmcs.msr_write_trapped = {MSR_IA32_EXT_APIC_ICR}  # update_msr_bitmap_x2apic_passthru
    if design.guest_nmi == "filter":
        # the cover letter's filter: LVT writes are intercepted so that no LVT delivers NMIs
        vmcs.msr_write_trapped |= set(LVT_NMI_MSRS)
    vcpu.arch.lapic_pt_enabled = True
    # the lapic-pt mechanism (INIT before the series, NMI during it); see schedule.notify_mode_of
    vcpu.thread_obj.notify_mode = design.sleep_mode
    vcpu.hv.per_cpu[vcpu.pcpu_id].lapic_pt = True
