"""Notifications and smp_call, as in ACRN's ``hypervisor/arch/x86/notify.c``."""
from acrn.arch_x86.consts import (
    NOTIFY_VCPU_VECTOR, SRC_HV_OTHER)
from acrn.core.defs import (
    ACRN_REQUEST_SMP_CALL)
from acrn.core.design import NOTIFICATION_NMI_NONE
from acrn.core.lapic import send_single_ipi
from acrn.engine.cost import S_SMP_CALL_FUNC, S_SPIN
from acrn.engine.ops import OP_WAIT


def is_notification_nmi(vm):
    """is_notification_nmi (the series): every NMI that hits a lapic-pt VM is taken as the
    hypervisor's kick.  Absent in designs without it (NMIs then reach the guest).  With a kick flag
    (nmi-vnmi) the NMI exit handler sorts each NMI out itself (``poll_nmi_sources``): never re-inject it."""
    hv = vm.hv
    if hv.notification_nmi != NOTIFICATION_NMI_NONE:  # "lapic-pt" or "kick-flag"
        return vm.lapic_pt
    return False


def handle_smp_call(hv, pcpu_id):
    """The smp_call body on ``pcpu_id`` (kick_notification's work; ACRN 2022 also runs it from
    ACRN_REQUEST_SMP_CALL): run the function and clear this pCPU's bit in smp_call_mask."""
    if (hv.smp_call_mask >> pcpu_id) & 1:
        info = hv.per_cpu[pcpu_id].smp_call_info
        if info is not None:
            func, data = info
            func(hv, pcpu_id, data)
        hv.smp_call_mask &= ~(1 << pcpu_id)
        hv.obs.smp_call_done(pcpu_id)


def kick_notification(hv, pcpu_id, vector):
    """kick_notification: the handler of vector 0xF0 in VMX root.  Its only work is smp_call."""
    handle_smp_call(hv, pcpu_id)


def smp_call_function(hv, mask, func, data):
    """smp_call_function: publish the call, notify every target (IPI 0xF0; for lapic-pt pCPUs the
    design may use a request bit + INIT as ACRN did in 2022), then spin with IRQs on until all done."""
    pcpu_id = hv.get_pcpu_id()
    yield (OP_WAIT, lambda: hv.smp_call_mask == 0, S_SPIN)  # an earlier call must finish first
    hv.smp_call_mask = mask
    hv.obs.smp_call_start(pcpu_id, mask)
    for target in range(len(hv.per_cpu)):
        if not (mask >> target) & 1:
            continue
        if not hv.is_pcpu_active(target):
            hv.smp_call_mask &= ~(1 << target)  # "pcpu not in active"
            continue
        hv.per_cpu[target].smp_call_info = (func, data)
    for target in range(len(hv.per_cpu)):
        if (hv.smp_call_mask >> target) & 1:
            vcpu = hv.get_running_vcpu(target)
            if hv.design.smp_call == "request" and hv.per_cpu[target].lapic_pt and vcpu is not None \
                    and target != pcpu_id:
                vcpu_make_request(vcpu, ACRN_REQUEST_SMP_CALL)  # kicks by the thread's mode (INIT or NMI)
            else:
                send_single_ipi(hv, target, NOTIFY_VCPU_VECTOR, SRC_HV_OTHER)
    yield S_SMP_CALL_FUNC
    hw = hv.hw[pcpu_id]
    hw.host_if = True  # CPU_IRQ_ENABLE while waiting (our own bit is served by our own IPI)
    yield (OP_WAIT, lambda: hv.smp_call_mask == 0, S_SPIN)
    hw.host_if = False


# imported last: these modules import this one (a cycle); every function above is defined by then
from acrn.core.virq import vcpu_make_request  # noqa: E402
