"""Hypercalls from the service VM, as in ACRN's ``hypervisor/common/hypercall.c`` (and vmcall.c)."""
from acrn.core.defs import (
    HC_DESTROY_VM, HC_NOTIFY_REQUEST_FINISH, HC_PAUSE_VM, HC_SMP_CALL, HC_VM_SET_MEMORY_REGIONS)
from acrn.core.ept import ept_modify_mr
from acrn.core.notify import smp_call_function
from acrn.core.vm import pause_vm, shutdown_vm
from acrn.engine.cost import S_EPT_MODIFY, S_HYPERCALL


def dump_vcpu_regs(hv, pcpu_id, data):
    """The function the shell's vcpu_dumpreg runs on the target pCPU through smp_call_function."""
    hv.obs.log(None, "pCPU%d: register dump of %s" % (pcpu_id, data))


def dispatch_hypercall(vcpu):
    """vmcall_vmexit_handler's dispatch: the guest model put (hypercall, argument) in its registers
    (``exit_ref``)."""
    hv = vcpu.hv
    hc, arg = vcpu.guest.exit_ref[:2]
    yield S_HYPERCALL
    if hc == HC_PAUSE_VM:
        yield from hcall_pause_vm(hv, arg)
    elif hc == HC_DESTROY_VM:
        yield from hcall_destroy_vm(hv, arg)
    elif hc == HC_VM_SET_MEMORY_REGIONS:
        hcall_set_vm_memory_regions(hv, arg)
        yield S_EPT_MODIFY
    elif hc == HC_NOTIFY_REQUEST_FINISH:
        hcall_notify_request_finish(hv, arg)
    elif hc == HC_SMP_CALL:
        mask, what = arg
        yield from smp_call_function(hv, mask, dump_vcpu_regs, what)
    else:
        hv.obs.log(vcpu, "unknown hypercall %r" % (hc,))
        return -22
    return 0


def hcall_pause_vm(hv, vm_id):
    """hcall_pause_vm -> pause_vm."""
    yield from pause_vm(hv.vms[vm_id])


def hcall_destroy_vm(hv, vm_id):
    """hcall_destroy_vm -> shutdown_vm."""
    yield from shutdown_vm(hv.vms[vm_id])


def hcall_set_vm_memory_regions(hv, vm_id):
    """hcall_set_vm_memory_regions -> ept_modify_mr: EPT_FLUSH requests for every vCPU of the VM."""
    ept_modify_mr(hv.vms[vm_id])


def hcall_notify_request_finish(hv, io_req):
    """hcall_notify_request_finish: the device model completed an I/O request."""
    io_req.complete = True
