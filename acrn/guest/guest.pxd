import cython

from acrn.engine.sim cimport Sim

# the constants this module imports, as C globals (their values: the modules they come from)
cdef long long APIC_BASE_ENABLE, APIC_BASE_X2APIC, APIC_DM_FIXED, APIC_DM_NMI, HYPERVISOR_CALLBACK_VHM_VECTOR, \
    MSR_IA32_APIC_BASE, MSR_IA32_EXT_APIC_EOI, MSR_IA32_EXT_APIC_ICR, SRC_GUEST_IPI, VMX_EXIT_REASON_CPUID, \
    VMX_EXIT_REASON_EPT_VIOLATION, VMX_EXIT_REASON_HLT, VMX_EXIT_REASON_IO_INSTRUCTION, VMX_EXIT_REASON_PAUSE, \
    VMX_EXIT_REASON_RDMSR, VMX_EXIT_REASON_VMCALL, VMX_EXIT_REASON_WRMSR, S_DM_IO, S_GUEST_IRQ_HANDLER, \
    S_GUEST_NMI_HANDLER


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
    cpdef tuple pop_due(self, Sim sim, long long now)
    cpdef tuple exit_for(self, kind, args)
    cpdef on_nmi(self, Sim sim, long long now)
    cpdef on_interrupt(self, Sim sim, long long now, int vector)
