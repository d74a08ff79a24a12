"""I/O requests to the device model, as in ACRN's ``hypervisor/dm/io_req.c``."""
from acrn.arch_x86 import consts as C
from acrn.core.schedule import need_reschedule, schedule
from acrn.core.vcpu import vcpu_set_intr
from acrn.engine.cost import S_SPIN
from acrn.engine.ops import OP_WAIT


class IoRequest:
    """One slot of the shared vhm_request buffer: who asked, what, and whether the DM finished."""

    def __init__(self, vcpu, req):
        self.vcpu = vcpu
        self.req = req
        self.complete = False


def arch_fire_vhm_interrupt(hv):
    """arch_fire_vhm_interrupt: inject the upcall vector into the service VM's vCPU 0."""
    sos = next((vm for vm in hv.vms if vm.is_service), None)
    if sos is not None:
        vcpu_set_intr(sos.vcpus[0], C.HYPERVISOR_CALLBACK_VHM_VECTOR)


def acrn_insert_request(vcpu, req):
    """acrn_insert_request: publish the request, fire the upcall, then (lapic-pt/RT vCPUs) poll for
    completion in root, calling schedule() whenever a reschedule is requested."""
    hv = vcpu.hv
    io_req = IoRequest(vcpu, req)
    hv.io_requests.append(io_req)
    arch_fire_vhm_interrupt(hv)
    pcpu_id = vcpu.pcpu_id
    while not io_req.complete:
        if need_reschedule(hv, pcpu_id):
            yield from schedule(hv)
        else:
            yield (OP_WAIT, lambda: io_req.complete or need_reschedule(hv, pcpu_id), S_SPIN)
    return 0
