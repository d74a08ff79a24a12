import cython

# the constants this module imports, as C globals (their values: the modules they come from)
cdef long long ACTIVITY_ACTIVE, IDT_NMI, VMXERR_ENTRY_INVALID_CONTROL_FIELD, VMXERR_UNSUPPORTED_COMPONENT, \
    VMX_EXIT_QUALIFICATION, VMX_INTR_MOVSS_BLOCKING, VMX_INTR_NMI_BLOCKING, VMX_INTR_STI_BLOCKING, \
    VMX_INT_INFO_ERR_CODE_VALID, VMX_INT_INFO_NMI_UNBLOCK_IRET, VMX_INT_INFO_VALID, VMX_INT_TYPE_EXT_INT, \
    VMX_INT_TYPE_HW_EXP, VMX_INT_TYPE_NMI, VMX_INT_TYPE_OTHER, VMX_PINBASED_CTLS_NMI_EXIT, \
    VMX_PINBASED_CTLS_VIRT_NMI, VMX_PROCBASED_CTLS_NMI_WINEXIT


cdef class Vmcs:
    cdef public object owner
    cdef public bint launched
    cdef public long long pin_ctls
    cdef public long long proc_ctls
    cdef public long long proc_ctls2
    cdef public long long exit_ctls
    cdef public long long entry_ctls
    cdef public long long entry_int_info
    cdef public long long entry_exc_errcode
    cdef public long long entry_inst_len
    cdef public long long tpr_threshold
    cdef public long long instr_error
    cdef public long long exit_reason
    cdef public long long exit_int_info
    cdef public long long exit_int_errcode
    cdef public long long idt_vectoring_info
    cdef public long long idt_vectoring_errcode
    cdef public long long exit_inst_len
    cdef public long long exit_qual
    cdef public long long guest_interruptibility
    cdef public long long guest_activity
    cdef public long long guest_rip
    cdef public long long guest_rflags
    cdef public set msr_write_trapped

@cython.locals(info=cython.longlong)
cpdef int check_vm_controls(Vmcs vmcs)
@cython.locals(info=cython.longlong, intr=cython.longlong)
cpdef bint check_entry_guest_state(Vmcs vmcs)
