from acrn.arch_x86.pcpu cimport PCpu
from acrn.core.hv cimport Hypervisor
from acrn.core.schedule cimport ThreadObject, need_reschedule
from acrn.core.vcpu cimport AcrnVcpu, is_lapic_pt_enabled
from acrn.core.virq cimport acrn_handle_pending_request

