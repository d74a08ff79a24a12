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

cpdef int check_vm_controls(Vmcs vmcs)
cpdef bint check_entry_guest_state(Vmcs vmcs)
