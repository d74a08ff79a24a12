"""The per-pCPU threads, as in ACRN's ``hypervisor/common/hv_main.c``: vcpu_thread and default_idle."""
import cython

from acrn.arch_x86.pcpu import PCpu
from acrn.core.defs import (
    ACRN_REQUEST_INIT_VMCS, NEED_RESCHEDULE, VCPU_ZOMBIE)
from acrn.core.cpu import cpu_dead, need_offline
from acrn.core.hv import Hypervisor
from acrn.core.schedule import ThreadObject, init_sched, need_reschedule, run_thread, schedule
from acrn.core.vcpu import AcrnVcpu, is_lapic_pt_enabled, pause_vcpu, run_vcpu
from acrn.core.virq import acrn_handle_pending_request, vcpu_inject_gp
from acrn.core.vmexit import vmexit_handler
from acrn.engine.cost import S_HANDLE_PENDING_REQ, S_IDLE, S_INIT_VMCS, S_VCPU_LOOP
from acrn.engine.ops import OP_IDLE_HLT, OP_SWITCH, OP_WAIT


@cython.locals(hv=Hypervisor, obj=ThreadObject, vcpu=AcrnVcpu, pcpu_id=cython.int, hw=PCpu, ret=cython.int,
               init_vmcs_pending=cython.bint)
def vcpu_thread(hv, obj):
    """vcpu_thread: forever: CLI unless lapic-pt; reschedule if asked; handle pending requests
    (failure -> zombie); run the vCPU (failure -> zombie); STI unless lapic-pt; handle the exit
    (failure -> #GP)."""
    vcpu = obj.data
    pcpu_id = obj.pcpu_id
    hw = hv.hw[pcpu_id]
    while True:
        if not is_lapic_pt_enabled(vcpu):
            hw.host_if = False  # CPU_IRQ_DISABLE: no interrupt window between here and VM entry
        yield S_VCPU_LOOP
        if need_reschedule(hv, pcpu_id):
            yield from schedule(hv)
        init_vmcs_pending = (vcpu.arch.pending_req >> ACRN_REQUEST_INIT_VMCS) & 1
        ret = acrn_handle_pending_request(vcpu)
        yield S_HANDLE_PENDING_REQ
        if init_vmcs_pending:
            yield S_INIT_VMCS
        if ret < 0:
            hv.obs.log(vcpu, "vcpu handling pending request fail")
            yield from pause_vcpu(vcpu, VCPU_ZOMBIE)
            continue
        ret = yield from run_vcpu(vcpu)
        if ret != 0:
            hv.obs.fault(pcpu_id, "%s: VM entry failed (%s); ACRN asserts" % (vcpu.name, hv.sim.entry_failure_text(vcpu)))
            yield from pause_vcpu(vcpu, VCPU_ZOMBIE)
            continue
        vcpu.arch.nrexits += 1
        if not is_lapic_pt_enabled(vcpu):
            hw.host_if = True  # CPU_IRQ_ENABLE: a pending host interrupt is taken here
        status = vmexit_handler(vcpu)
        if type(status) is not int:  # a handler that takes time (port I/O, VMCALL): run it to its end
            status = yield from status
        elif vcpu.arch.handler_step >= 0:
            yield vcpu.arch.handler_step  # the handler's cost
        if status < 0:
            hv.obs.log(vcpu, "dispatch VM exit handler failed for reason %d" % (vcpu.arch.exit_reason & 0xFFFF))
            vcpu_inject_gp(vcpu, 0)


def default_idle(hv, obj):
    """default_idle: reschedule, go offline, or shut a VM down when asked; otherwise idle with IRQs
    on (PAUSE, or HLT when the design idles with HLT)."""
    from acrn.core.vm import need_shutdown_vm, shutdown_vm_from_idle

    pcpu_id = obj.pcpu_id
    hw = hv.hw[pcpu_id]
    pc = hv.per_cpu[pcpu_id]
    while True:
        if need_reschedule(hv, pcpu_id):
            yield from schedule(hv)
        elif need_offline(hv, pcpu_id):
            yield from cpu_dead(hv)
        elif need_shutdown_vm(hv, pcpu_id):
            yield from shutdown_vm_from_idle(hv, pcpu_id)
        else:
            hw.host_if = True  # CPU_IRQ_ENABLE
            if hv.design.idle == "hlt":
                hw.hlt()
                yield OP_IDLE_HLT
            else:
                yield (OP_WAIT, lambda: (pc.sched_ctl.flags & NEED_RESCHEDULE) != 0 or pc.pcpu_flag != 0, S_IDLE)
            hw.host_if = False  # CPU_IRQ_DISABLE


def start_idle_thread(hv, pcpu_id):
    """run_idle_thread: create the pCPU's idle thread_object and switch to it."""
    pc = hv.per_cpu[pcpu_id]
    pc.idle = ThreadObject("idle%d" % pcpu_id, pcpu_id, default_idle)
    init_sched(hv, pcpu_id)
    run_thread(hv, pc.idle)
    yield (OP_SWITCH, pc.idle)
