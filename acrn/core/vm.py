"""VMs, as in ACRN's ``hypervisor/arch/x86/guest/vm.c`` (``struct acrn_vm``): create, start, pause,
shut down."""
from acrn.core.defs import (
    ACRN_REQUEST_INIT_VMCS, NEED_SHUTDOWN_VM, THREAD_STS_BLOCKED, VCPU_ZOMBIE, VM_CREATED, VM_PAUSED,
    VM_POWERED_OFF, VM_POWERING_OFF, VM_STARTED, VM_STATES)
from acrn.core.cpu import make_pcpu_offline, start_pcpus, wait_pcpus_offline
from acrn.core.schedule import init_thread_data
from acrn.core.vcpu import AcrnVcpu, context_switch_in, context_switch_out, launch_vcpu, offline_vcpu, pause_vcpu, reset_vcpu
from acrn.engine.cost import S_RESET_VCPU

EINVAL = -22


class AcrnVm:
    """struct acrn_vm: id, name, vCPUs, state; ``lapic_pt`` is GUEST_FLAG_LAPIC_PASSTHROUGH (an RTVM in
    this model); ``is_service`` marks the service VM (it runs the device model and makes hypercalls)."""

    def __init__(self, hv, vm_id, name, lapic_pt, is_service):
        self.hv = hv
        self.vm_id = vm_id
        self.name = name
        self.lapic_pt = lapic_pt
        self.is_service = is_service
        self.vcpus = []
        self.state = VM_CREATED

    def __repr__(self):
        return "<vm %d %s %s>" % (self.vm_id, self.name, VM_STATES[self.state])


def is_lapic_pt_configured(vm):
    """is_lapic_pt_configured: the VM's configuration asks for LAPIC passthrough."""
    return vm.lapic_pt


def is_rt_vm(vm):
    """is_rt_vm: in this model the lapic-pt VMs are the real-time VMs."""
    return vm.lapic_pt


def lapic_pt_enabled_pcpu_bitmap(vm):
    """lapic_pt_enabled_pcpu_bitmap: the pCPUs whose vCPUs switched to LAPIC passthrough."""
    mask = 0
    for vcpu in vm.vcpus:
        if vcpu.arch.lapic_pt_enabled:
            mask |= 1 << vcpu.pcpu_id
    return mask


def create_vm(hv, name, pcpus, lapic_pt=False, is_service=False, weights=None):
    """create_vm + prepare_vcpu for each pinned pCPU.  Each vCPU starts with ACRN_REQUEST_INIT_VMCS
    pending; a lapic-pt guest switches to the physical LAPIC when it turns on x2APIC (its first act)."""
    from acrn.core.hv_main import vcpu_thread

    vm = AcrnVm(hv, len(hv.vms), name, lapic_pt, is_service)
    hv.vms.append(vm)
    for vcpu_id, pcpu_id in enumerate(pcpus):
        vcpu = AcrnVcpu(hv, vm, vcpu_id, pcpu_id)
        if weights:
            vcpu.sched_weight = weights[vcpu_id]
        obj = vcpu.thread_obj
        obj.thread_entry = vcpu_thread
        obj.switch_out = context_switch_out
        obj.switch_in = context_switch_in
        init_thread_data(hv, obj)
        obj.status = THREAD_STS_BLOCKED  # not yet launched
        vcpu.arch.pending_req |= 1 << ACRN_REQUEST_INIT_VMCS
        vm.vcpus.append(vcpu)
    return vm


def start_vm(vm):
    """start_vm: launch every vCPU (wake its thread)."""
    vm.state = VM_STARTED
    for vcpu in vm.vcpus:
        launch_vcpu(vcpu)


def pause_vm(vm):
    """pause_vm: pause every vCPU as a zombie.  An RTVM is only paused when it is powering itself
    off (or was never started)."""
    if vm.state == VM_PAUSED:
        return
    if is_rt_vm(vm) and vm.state not in (VM_POWERING_OFF, VM_CREATED):
        vm.hv.obs.log(None, "pause_vm(%s): an RTVM can only be paused while powering off" % vm.name)
        return
    for vcpu in vm.vcpus:
        yield from pause_vcpu(vcpu, VCPU_ZOMBIE)
    vm.state = VM_PAUSED


def shutdown_vm(vm):
    """shutdown_vm: pause, mark POWERED_OFF, reset and offline every vCPU, take the lapic-pt pCPUs
    offline (make_pcpu_offline: NEED_OFFLINE + IPI), wait for them, then restart them with
    INIT-SIPI-SIPI (start_pcpus) so that the LAPIC the guest dirtied is re-initialised."""
    hv = vm.hv
    yield from pause_vm(vm)
    if vm.state != VM_PAUSED:
        hv.obs.vm_shutdown_done(vm, EINVAL)
        return EINVAL
    vm.state = VM_POWERED_OFF
    mask = lapic_pt_enabled_pcpu_bitmap(vm) if is_lapic_pt_configured(vm) else 0
    for vcpu in vm.vcpus:
        reset_vcpu(vcpu)
        offline_vcpu(vcpu)
        if (mask >> vcpu.pcpu_id) & 1:
            make_pcpu_offline(hv, vcpu.pcpu_id)
    yield S_RESET_VCPU
    ret = 0
    offline = yield from wait_pcpus_offline(hv, mask)
    if not offline:
        hv.obs.log(None, "shutdown_vm(%s): pCPUs did not go offline in time" % vm.name)
    if mask:
        started = yield from start_pcpus(hv, mask)
        if not started:
            ret = -110  # -ETIMEDOUT
    hv.obs.vm_shutdown_done(vm, ret)
    return ret


def need_shutdown_vm(hv, pcpu_id):
    """need_shutdown_vm: test and clear NEED_SHUTDOWN_VM."""
    return hv.per_cpu[pcpu_id].test_and_clear_flag(NEED_SHUTDOWN_VM)


def shutdown_vm_from_idle(hv, pcpu_id):
    """shutdown_vm_from_idle: a pre-launched VM's shutdown, run by its BSP's idle thread."""
    vm = hv.vms[hv.per_cpu[pcpu_id].shutdown_vm_id]
    if vm.state == VM_POWERING_OFF:
        yield from shutdown_vm(vm)
