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
