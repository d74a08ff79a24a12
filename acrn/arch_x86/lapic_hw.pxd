cdef class LapicHw:
    cdef public int apic_id
    cdef public object irr
    cdef public object isr
    cdef public int tpr
    cdef public int esr
    cdef public dict irr_source
    cdef public dict lvt
    cpdef int ppr(self)
    cpdef accept_fixed(self, int vector, int source)
    cpdef int highest_deliverable(self)
    cpdef int ack(self)
    cpdef int eoi(self)
