from acrn.arch_x86.lapic_hw cimport LapicHw
from acrn.arch_x86.vmx cimport Vmcs, check_entry_guest_state, check_vm_controls

# the constants this module imports, as C globals (their values: the modules they come from)
cdef long long ACTIVITY_ACTIVE, ACTIVITY_HLT, ACTIVITY_SHUTDOWN, ACTIVITY_WAIT_FOR_SIPI, \
    VMXERR_VMLAUNCH_NONCLEAR_VMCS, VMXERR_VMRESUME_NONLAUNCHED_VMCS, VMX_EXIT_CTLS_ACK_IRQ, \
    VMX_EXIT_REASON_ENTRY_FAILURE, VMX_EXIT_REASON_ENTRY_FAILURE_INVALID_GUEST_STATE, \
    VMX_EXIT_REASON_EXCEPTION_OR_NMI, VMX_EXIT_REASON_EXTERNAL_INTERRUPT, VMX_EXIT_REASON_INIT_SIGNAL, \
    VMX_EXIT_REASON_INTERRUPT_WINDOW, VMX_EXIT_REASON_NMI_WINDOW, VMX_EXIT_REASON_STARTUP_IPI, \
    VMX_INTR_MOVSS_BLOCKING, VMX_INTR_NMI_BLOCKING, VMX_INTR_STI_BLOCKING, VMX_INT_INFO_ERR_CODE_VALID, \
    VMX_INT_INFO_NMI_UNBLOCK_IRET, VMX_INT_INFO_VALID, VMX_INT_TYPE_NMI, VMX_PINBASED_CTLS_IRQ_EXIT, \
    VMX_PINBASED_CTLS_NMI_EXIT, VMX_PINBASED_CTLS_VIRT_NMI, VMX_PROCBASED_CTLS_IRQ_WIN, \
    VMX_PROCBASED_CTLS_NMI_WINEXIT
cdef long long _RFLAGS_IF, _SHADOW


# what a step of the CPU did (interpreted: the same values in pcpu.py)
cpdef enum:
    EV_NONE = 0
    EV_VMEXIT = 1
    EV_GUEST_NMI = 2
    EV_GUEST_INTR = 3
    EV_ROOT_NMI = 4
    EV_ROOT_INTR = 5
    EV_ENTRY_VMFAIL = 6
    EV_ENTRY_FAIL_EXIT = 7
    EV_ENTRY_VMFAIL_INVALID = 8
    EV_ENTERED = 9


cdef class PCpu:
    cdef public int id
    cdef public LapicHw lapic
    cdef public bint vmx_on
    cdef public bint nonroot
    cdef public bint host_if
    cdef public int activity
    cdef public bint nmi_blocked
    cdef public bint nmi_latched
    cdef public int nmi_sources
    cdef public bint init_latched
    cdef public int init_sources
    cdef public int sipi_vector
    cdef public object vmcs
    cdef public long long injected
    cdef public int last_vector
    cdef public int last_sources
    cdef public bint sti_blocks_nmi_window
    cdef public long long perf_global_status
    cdef public long long therm_status
    cdef public int nmi_sc

    cpdef post_nmi(self, int sources)
    cpdef post_init(self, int sources)
    cpdef post_fixed(self, int vector, int sources)
    cpdef post_sipi(self, int vector)
    cpdef int root_step(self)
    cpdef bint root_has_event(self)
    cpdef iret(self)
    cpdef hlt(self)
    cpdef bint init_reset(self)
    cpdef bint sipi_start(self)
    cpdef bint vmxoff(self)
    cpdef vmptrld(self, vmcs)
    cpdef int vmentry(self, bint launch)
    cpdef _vmexit(self, int reason, long long qual, int inst_len, long long int_info)
    cpdef int vmexit_instruction(self, int reason, int inst_len, long long qual=*)
    cpdef int nonroot_step(self)
    cpdef guest_iret(self)
