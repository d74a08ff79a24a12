from acrn.arch_x86.lapic_hw cimport LapicHw
from acrn.arch_x86.vmx cimport Vmcs, check_entry_guest_state, check_vm_controls

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
