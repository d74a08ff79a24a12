import cython

# the constants this module imports, as C globals (their values: the modules they come from)
cdef long long DEL_MODE_IPI, NEED_RESCHEDULE, SCHED_NOTIFY_IPI, THREAD_STS_BLOCKED, THREAD_STS_RUNNABLE, \
    THREAD_STS_RUNNING, S_SCHEDULE, OP_SWITCH


cdef class ThreadObject:
    cdef dict __dict__
    cdef public object name
    cdef public int pcpu_id
    cdef public object thread_entry
    cdef public object data
    cdef public int status
    cdef public int notify_mode
    cdef public object switch_out
    cdef public object switch_in
    cdef public object sched_data
    cdef public object context


cdef class SchedControl:
    cdef dict __dict__
    cdef public int pcpu_id
    cdef public long long flags
    cdef public object curr_obj
    cdef public object scheduler
    cdef public object priv


# after the classes: hv.pxd cimports them (a cycle)
from acrn.core.hv cimport Hypervisor, PerCpu


cpdef bint is_running(ThreadObject obj) except -1
cpdef bint is_runnable(ThreadObject obj) except -1
cpdef bint is_blocked(ThreadObject obj) except -1
@cython.locals(pc=PerCpu, ctl=SchedControl)
cpdef bint need_reschedule(Hypervisor hv, int pcpu_id) except -1
@cython.locals(pc=PerCpu, ctl=SchedControl)
cpdef make_reschedule_request(Hypervisor hv, int pcpu_id, int delmode)
cpdef int notify_mode_of(Hypervisor hv, ThreadObject obj, bint for_sleep) except? -1
@cython.locals(pcpu_id=cython.int)
cpdef kick_thread(Hypervisor hv, ThreadObject obj)
