import cython

# the constants this module imports, as C globals (their values: the modules they come from)
cdef long long APIC_DEST_NOSHORT, APIC_DM_FIXED, APIC_DM_INIT, APIC_DM_LOWPRI, APIC_DM_NMI, APIC_DM_SMI, \
    APIC_ICR_DESTMODE_LOGICAL, APIC_ICR_DM_SHIFT, APIC_ICR_LEVEL_ASSERT, APIC_ICR_RESERVED_LO, \
    APIC_ICR_SHORTHAND_SHIFT, APIC_ICR_TRIGGER_LEVEL, LVT_DM_SHIFT, LVT_MASKED, LVT_POLARITY_LOW, \
    LVT_TIMER_MODE_SHIFT, LVT_TIMER_ONESHOT, LVT_TIMER_PERIODIC, LVT_TIMER_TSC_DEADLINE, LVT_TRIGGER_LEVEL


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


# the ICR codec on plain integers (the hypervisor's sends, the engine's checks of every ICR write)
cpdef unsigned long long icr_value(unsigned long long vector, unsigned long long delivery_mode,
                                   unsigned long long dest, unsigned long long shorthand, unsigned long long flags)
cpdef unsigned long long icr_phys(unsigned long long vector, unsigned long long delivery_mode,
                                  unsigned long long dest)
cpdef int icr_check(value) except -1
@cython.locals(lo=cython.ulonglong, dm=cython.int)
cpdef int icr_check_bits(unsigned long long value) except -1
