cdef class Observer:
    cdef public object sim
    cdef public object requests
    cdef public dict _open
    cdef public long long dropped_requests
    cdef public object kicks
    cdef public dict _kick_open
    cdef public list guest_interrupts
    cdef public dict s5
    cdef public list smp_calls
    cdef public list faults
    cdef public list logs
    cdef public dict exits
    cdef public list offline
    cdef public list nmi_raised
    cdef public dict filtered
    cdef public list nmi_dropped
    cdef public object on_request

    cpdef request_made(self, vcpu, int bit)
    cpdef request_handled(self, vcpu, int bit)
    cpdef sched_next(self, pcpu_id, prev, nxt)
    cpdef kick_sent(self, src, dst, mode)
    cpdef vmexit(self, pcpu_id, reason)
    cpdef kick_absorbed(self, pcpu_id)
    cpdef guest_interrupt(self, vcpu, vector, sources, is_nmi)
    cpdef nmi_consumed(self, pcpu_id, sources, where)
    cpdef fault(self, pcpu_id, message)
    cpdef log(self, vcpu, message)
