from acrn.arch_x86.pcpu cimport PCpu
from acrn.core.hv cimport Hypervisor
from acrn.core.schedule cimport ThreadObject, need_reschedule
from acrn.core.vcpu cimport AcrnVcpu, is_lapic_pt_enabled
from acrn.core.virq cimport acrn_handle_pending_request
from acrn.core.vmexit cimport vmexit_handler

# the constants this module imports, as C globals (their values: the modules they come from)
cdef long long ACRN_REQUEST_INIT_VMCS, NEED_RESCHEDULE, VCPU_ZOMBIE, S_HANDLE_PENDING_REQ, S_IDLE, S_INIT_VMCS, \
    S_VCPU_LOOP, OP_IDLE_HLT, OP_SWITCH, OP_WAIT
