import cython

from acrn.arch_x86.vmx cimport Vmcs
from acrn.core.hv cimport Hypervisor
from acrn.core.schedule cimport ThreadObject, kick_thread
from acrn.guest.guest cimport Guest

# the constants this module imports, as C globals (their values: the modules they come from)
cdef long long EV_ENTERED, ACRN_REQUEST_EVENT, SCHED_NOTIFY_IPI, VCPU_INIT, VCPU_OFFLINE, VCPU_RUNNING, \
    S_PAUSE_VCPU, S_RUN_VCPU, S_SPIN, OP_ENTER, OP_WAIT


cdef class AcrnVcpuArch:
    cdef dict __dict__
    cdef public Vmcs vmcs
    cdef public long long pending_req
    cdef public int exception
    cdef public long long exception_error
    cdef public bint irq_window_enabled
    cdef public long long idt_vectoring_info
    cdef public long long inst_len
    cdef public long long exit_reason
    cdef public long long exit_qualification
    cdef public long long nrexits
    cdef public bint lapic_pt_enabled
    cdef public int entry_status
    cdef public int handler_step


@cython.final  # not subclassed: its cpdef methods are plain C calls (no check for a Python override)
cdef class AcrnVcpu:
    cdef dict __dict__
    cdef public Hypervisor hv
    cdef public object vm
    cdef public int vcpu_id
    cdef public int pcpu_id
    cdef public int state
    cdef public int prev_state
    cdef public bint launched
    cdef public bint running
    cdef public AcrnVcpuArch arch
    cdef public ThreadObject thread_obj
    cdef public object vlapic_pending
    cdef public object vlapic_isr
    cdef public Guest guest
    cdef public object sched_weight
    cdef public int exit_nmi_sources
    cdef public int nmi_sources
    cdef public object name

    cpdef int vlapic_pending_intr(self) except? -2
    cpdef bint vlapic_has_pending_intr(self) except -1
    cpdef int vlapic_take_pending(self) except? -2


cpdef bint is_lapic_pt_enabled(AcrnVcpu vcpu) except -1
cpdef kick_vcpu(AcrnVcpu vcpu)
