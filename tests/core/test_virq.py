"""acrn_handle_pending_request, vcpu_queue_exception and the exit handlers of virq.c, called directly on
a host built from a small scenario (nothing executed): each test is one rule of ACRN's C code."""
import pytest

from acrn.arch_x86 import consts as C
from acrn.core import defs as D
from acrn.core.virq import acrn_handle_pending_request, exception_vmexit_handler, vcpu_queue_exception
from acrn.core.vmcs import init_vmcs, switch_apicv_mode_x2apic

NMI_INFO = C.VMX_INT_INFO_VALID | (C.VMX_INT_TYPE_NMI << 8) | C.IDT_NMI


def _vcpu(make_run, design="nmi", vm="rtvm", lapic_pt_on=True):
    run = make_run(design)
    vcpu = run.hv.vm_by_name(vm).vcpus[0]
    init_vmcs(vcpu)
    if lapic_pt_on and vcpu.vm.lapic_pt:
        switch_apicv_mode_x2apic(vcpu)
    vcpu.arch.pending_req = 0
    run.sim.cur_cpu = vcpu.pcpu_id  # the vCPU's own pCPU runs its loop
    return run, vcpu


def _bits(*bits):
    mask = 0
    for b in bits:
        mask |= 1 << b
    return mask


def test_trp_fault_returns_efault_after_init_vmcs_and_leaves_later_bits(make_run):
    run, vcpu = _vcpu(make_run)
    vcpu.arch.vmcs.pin_ctls = 0
    vcpu.arch.pending_req = _bits(D.ACRN_REQUEST_INIT_VMCS, D.ACRN_REQUEST_TRP_FAULT, D.ACRN_REQUEST_EPT_FLUSH)
    assert acrn_handle_pending_request(vcpu) == -14
    assert vcpu.arch.vmcs.pin_ctls & C.VMX_PINBASED_CTLS_IRQ_EXIT  # init_vmcs ran first
    assert vcpu.arch.pending_req == _bits(D.ACRN_REQUEST_EPT_FLUSH)  # nothing after TRP_FAULT


def test_flushes_are_handled_even_when_an_event_is_injected(make_run):
    run, vcpu = _vcpu(make_run)
    vcpu.arch.pending_req = _bits(D.ACRN_REQUEST_EPT_FLUSH, D.ACRN_REQUEST_VPID_FLUSH,
                                  D.ACRN_REQUEST_EOI_EXIT_BITMAP_UPDATE, D.ACRN_REQUEST_NMI)
    assert acrn_handle_pending_request(vcpu) == 0
    assert vcpu.arch.pending_req == 0
    assert vcpu.arch.vmcs.entry_int_info == NMI_INFO


def test_high_exception_before_nmi(make_run):
    run, vcpu = _vcpu(make_run, design="init")
    vcpu_queue_exception(vcpu, C.IDT_MC, 0)
    vcpu.arch.pending_req |= _bits(D.ACRN_REQUEST_NMI)
    acrn_handle_pending_request(vcpu)
    info = vcpu.arch.vmcs.entry_int_info
    assert info & 0xFF == C.IDT_MC and (info >> 8) & 7 == C.VMX_INT_TYPE_HW_EXP
    assert vcpu.arch.pending_req == _bits(D.ACRN_REQUEST_NMI)  # the NMI waits for the next entry


def test_nmi_before_idt_vectoring_reinjection(make_run):
    run, vcpu = _vcpu(make_run, design="init")
    vcpu.arch.idt_vectoring_info = C.VMX_INT_INFO_VALID | (C.VMX_INT_TYPE_EXT_INT << 8) | 0x30
    vcpu.arch.pending_req = _bits(D.ACRN_REQUEST_NMI)
    acrn_handle_pending_request(vcpu)
    assert vcpu.arch.vmcs.entry_int_info == NMI_INFO
    assert vcpu.arch.idt_vectoring_info & C.VMX_INT_INFO_VALID  # kept for the next entry
    acrn_handle_pending_request(vcpu)
    assert vcpu.arch.vmcs.entry_int_info == C.VMX_INT_INFO_VALID | 0x30
    assert vcpu.arch.idt_vectoring_info == 0


def test_low_exception_only_when_nothing_else_was_injected(make_run):
    run, vcpu = _vcpu(make_run, design="init")
    vcpu_queue_exception(vcpu, C.IDT_GP, 0x10)
    vcpu.arch.pending_req |= _bits(D.ACRN_REQUEST_NMI)
    acrn_handle_pending_request(vcpu)
    assert vcpu.arch.vmcs.entry_int_info == NMI_INFO
    assert vcpu.arch.pending_req == _bits(D.ACRN_REQUEST_EXCP)
    acrn_handle_pending_request(vcpu)
    info = vcpu.arch.vmcs.entry_int_info
    assert info & 0xFF == C.IDT_GP and info & C.VMX_INT_INFO_ERR_CODE_VALID
    assert vcpu.arch.vmcs.entry_exc_errcode == 0x10


def test_event_injected_when_guest_can_take_it_else_interrupt_window(make_run):
    run, vcpu = _vcpu(make_run, design="nmi", vm="sos")
    vcpu.vlapic_pending = 1 << 0x41
    vcpu.arch.pending_req = _bits(D.ACRN_REQUEST_EVENT)
    vcpu.arch.vmcs.guest_rflags &= ~(1 << 9)  # IF=0
    acrn_handle_pending_request(vcpu)
    assert not vcpu.arch.vmcs.entry_int_info & C.VMX_INT_INFO_VALID
    assert vcpu.arch.vmcs.proc_ctls & C.VMX_PROCBASED_CTLS_IRQ_WIN and vcpu.arch.irq_window_enabled
    vcpu.arch.vmcs.guest_rflags |= 1 << 9
    vcpu.arch.pending_req = _bits(D.ACRN_REQUEST_EVENT)
    acrn_handle_pending_request(vcpu)
    assert vcpu.arch.vmcs.entry_int_info == C.VMX_INT_INFO_VALID | 0x41


def test_exceptions_fold_into_double_and_triple_fault(make_run):
    run, vcpu = _vcpu(make_run, design="init")
    vcpu_queue_exception(vcpu, C.IDT_GP, 0)
    vcpu_queue_exception(vcpu, C.IDT_GP, 0)  # contributory + contributory -> #DF (SDM 6.15)
    assert vcpu.arch.exception == C.IDT_DF
    vcpu_queue_exception(vcpu, C.IDT_PF, 0)  # #DF then a non-benign one -> triple fault
    assert (vcpu.arch.pending_req >> D.ACRN_REQUEST_TRP_FAULT) & 1


@pytest.mark.parametrize("design,dropped", [("nmi", True), ("nmi-nowindow", True), ("nmi-naive", False),
                                            ("init", False)])
def test_nmi_exit_dropped_only_where_is_notification_nmi_exists(make_run, design, dropped):
    run, vcpu = _vcpu(make_run, design=design)
    vcpu.arch.vmcs.exit_int_info = NMI_INFO
    exception_vmexit_handler(vcpu)
    assert vcpu.arch.exception == C.IDT_NMI  # recorded either way (the harmless leftover)
    assert bool((vcpu.arch.pending_req >> D.ACRN_REQUEST_EXCP) & 1) is not dropped
    assert vcpu.arch.inst_len == 0  # RIP retained


@pytest.mark.parametrize("design,nmi_exiting,lvt_trapped", [("ipi", False, False), ("nmi-naive", True, False),
                                                            ("nmi", True, True), ("init", False, False),
                                                            ("nmi-vnmi", True, False)])
def test_switch_apicv_mode_x2apic(make_run, design, nmi_exiting, lvt_trapped):
    run, vcpu = _vcpu(make_run, design=design)
    pin = vcpu.arch.vmcs.pin_ctls
    assert not pin & C.VMX_PINBASED_CTLS_IRQ_EXIT and not pin & C.VMX_PINBASED_CTLS_POST_IRQ
    assert bool(pin & C.VMX_PINBASED_CTLS_NMI_EXIT) is nmi_exiting
    assert bool(pin & C.VMX_PINBASED_CTLS_VIRT_NMI) is nmi_exiting
    assert not vcpu.arch.vmcs.exit_ctls & C.VMX_EXIT_CTLS_ACK_IRQ
    lvt_msrs = {C.LVT_REGISTERS[n][1] for n in (C.LVT_PMC, C.LVT_THERMAL, C.LVT_LINT0, C.LVT_LINT1, C.LVT_CMCI)}
    expected = {C.MSR_IA32_EXT_APIC_ICR} | (lvt_msrs if lvt_trapped else set())
    assert vcpu.arch.vmcs.msr_write_trapped == expected  # the cover letter's LVT filter traps LVT writes


def test_two_virtual_interrupts_are_delivered_in_priority_order_after_eoi(make_run):
    """vLAPIC (no APICv): the higher vector first; the lower one waits for the guest's EOI (a trapped
    x2APIC write, vlapic_process_eoi), which asks for ACRN_REQUEST_EVENT again."""
    from acrn.core.vcpu import vcpu_set_intr

    from scenario_data import scenario_dict

    run = make_run("nmi", scenario_dict(duration_us=300), records=True)  # every guest interrupt
    sos = run.hv.vm_by_name("sos").vcpus[1]

    def stimulus():
        run.sim.cur_cpu = 0
        vcpu_set_intr(sos, 0x41)
        vcpu_set_intr(sos, 0x31)

    run.sim.call_at(run.cost.cycles(50), stimulus)
    result = run.execute()
    got = [(r.time, r.data[1]) for r in run.obs.guest_interrupts if r.data[0] == "sos:vcpu1"]
    assert [v for _, v in got] == [0x41, 0x31]
    assert result.counts["exits_by_reason"]["32"] >= 2  # the two EOIs
    assert sos.vlapic_pending == 0 and sos.vlapic_isr == 0
