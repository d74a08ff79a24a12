import cython


cdef class GuestWork:
    cdef public object kind
    cdef public long long lo
    cdef public long long hi
    cdef public long long at
    cdef public tuple args
    cdef public long long count
    cdef public long long next_due


cdef class Guest:
    cdef public object vcpu
    cdef public list items
    cdef public list queue
    cdef public long long iret_due
    cdef public tuple exit_args
    cdef public long long check_rip
    cdef public set dm_seen
    cdef public dict kinds

    @cython.locals(due=cython.longlong, item=GuestWork)
    cpdef long long next_due(self) except? -2
    @cython.locals(best=GuestWork, item=GuestWork)
    cpdef tuple pop_due(self, sim, long long now)
    cpdef tuple exit_for(self, kind, args)
    cpdef on_nmi(self, sim, long long now)
    cpdef on_interrupt(self, sim, long long now, int vector)
