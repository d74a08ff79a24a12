import cython

from acrn.engine.sim cimport Sim

# the constants this module imports, as C globals (their values: the modules they come from)
cdef long long APIC_BASE_ENABLE, APIC_BASE_X2APIC, APIC_DM_FIXED, APIC_DM_NMI, HYPERVISOR_CALLBACK_VHM_VECTOR, \
    MSR_IA32_APIC_BASE, MSR_IA32_EXT_APIC_EOI, MSR_IA32_EXT_APIC_ICR, SRC_GUEST_IPI, VMX_EXIT_REASON_CPUID, \
    VMX_EXIT_REASON_EPT_VIOLATION, VMX_EXIT_REASON_HLT, VMX_EXIT_REASON_IO_INSTRUCTION, VMX_EXIT_REASON_PAUSE, \
    VMX_EXIT_REASON_RDMSR, VMX_EXIT_REASON_VMCALL, VMX_EXIT_REASON_WRMSR, S_DM_IO, S_GUEST_IRQ_HANDLER, \
    S_GUEST_NMI_HANDLER, PM1A_CNT_ADDR, PM1A_S5_VALUE


# the guest's own constants (interpreted: the same values in guest.py): the code of each activity kind
cpdef enum:
    GK_NONE = 0
    GK_IRET = 1
    GK_OTHER = 2
    GK_IO = 3
    GK_S5 = 4
    GK_MSR = 5
    GK_IPI = 6
    GK_LVT = 7
    GK_EOI = 8
    GK_X2APIC = 9
    GK_EPT = 10
    GK_EPT_UPDATE = 11
    GK_SMP_CALL = 12
    GK_VMCALL = 13


cdef class GuestWork:
    cdef public object kind
    cdef public int code
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
    cdef public object due_kind
    cdef public tuple due_args
    cdef public int due_code
    cdef public int exit_code
    cdef public long long exit_reason
    cdef public long long exit_inst_len
    cdef public unsigned long long exit_arg0
    cdef public unsigned long long exit_arg1
    cdef public object exit_ref
    cdef public long long check_rip
    cdef public set dm_seen
    cdef public dict kinds

    @cython.locals(due=cython.longlong, item=GuestWork, entry=list)
    cpdef long long next_due(self) except? -2
    @cython.locals(best=GuestWork, item=GuestWork, qbest=list, entry=list)
    cpdef int pop_due(self, Sim sim, long long now) except -1
    @cython.locals(code=cython.int, n=cython.Py_ssize_t, mode=cython.longlong)
    cpdef exit_for(self)
    cpdef on_nmi(self, Sim sim, long long now)
    cpdef on_interrupt(self, Sim sim, long long now, int vector)
