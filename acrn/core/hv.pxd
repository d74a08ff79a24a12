import cython

from acrn.core.schedule cimport SchedControl
from acrn.engine.sim cimport Sim
from acrn.host.observe cimport Observer

# the constants this module imports, as C globals (their values: the modules they come from)
cdef long long NOTIFY_VCPU_VECTOR, SCHED_NOTIFY_INIT, SCHED_NOTIFY_NMI, NOTIFICATION_NMI_KICK_FLAG


cdef class PerCpu:
    cdef dict __dict__
    cdef public int pcpu_id
    cdef public long long lapic_id
    cdef public SchedControl sched_ctl
    cdef public object idle
    cdef public long long pcpu_flag
    cdef public object smp_call_info
    cdef public long long shutdown_vm_id
    cdef public object vmcs_run
    cdef public object ever_run_vcpu
    cdef public bint lapic_pt
    cdef public bint nmi_kick_pending


cdef class Hypervisor:
    cdef public object design
    cdef public int kick_mode
    cdef public int sleep_mode
    cdef public int notification_nmi
    cdef public bint nmi_injection_checked
    cdef public bint handle_nmi_poll
    cdef public Sim sim
    cdef public Observer obs
    cdef public list hw
    cdef public object scheduler
    cdef public list per_cpu
    cdef public list vms
    cdef dict _vm_names
    cdef public list pt_devices
    cdef public object pcpu_active_bitmap
    cdef public object smp_call_mask
    cdef public object dispatch_table
    cdef public object io_requests

    cpdef int get_pcpu_id(self) except? -1
    cpdef get_running_vcpu(self, int pcpu_id)
    cpdef notify_pcpu(self, int pcpu_id, int mode)
    cpdef is_pcpu_active(self, int pcpu_id)
