import cython

from acrn.arch_x86.vmx cimport Vmcs
from acrn.core.vcpu cimport AcrnVcpu, AcrnVcpuArch

# the constants this module imports, as C globals (their values: the modules they come from)
cdef long long IDT_BP, IDT_DB, IDT_DF, IDT_GP, IDT_MC, IDT_NMI, IDT_PF, IDT_UD, VMX_INTR_MOVSS_BLOCKING, \
    VMX_INTR_NMI_BLOCKING, VMX_INTR_STI_BLOCKING, VMX_INT_INFO_ERR_CODE_VALID, VMX_INT_INFO_VALID, \
    VMX_INT_TYPE_EXT_INT, VMX_INT_TYPE_HW_EXP, VMX_INT_TYPE_NMI, VMX_PINBASED_CTLS_VIRT_NMI, \
    VMX_PROCBASED_CTLS_IRQ_WIN, VMX_PROCBASED_CTLS_NMI_WINEXIT, ACRN_REQUEST_EOI_EXIT_BITMAP_UPDATE, \
    ACRN_REQUEST_EPT_FLUSH, ACRN_REQUEST_EVENT, ACRN_REQUEST_EXCP, ACRN_REQUEST_EXTINT, ACRN_REQUEST_INIT_VMCS, \
    ACRN_REQUEST_NMI, ACRN_REQUEST_SMP_CALL, ACRN_REQUEST_TRP_FAULT, ACRN_REQUEST_VPID_FLUSH


cpdef vcpu_make_request(AcrnVcpu vcpu, int eventid)
cpdef int get_excep_class(int vector) except? -1
@cython.locals(prev_vector=cython.int, prev_class=cython.int, new_class=cython.int)
cpdef int vcpu_queue_exception(AcrnVcpu vcpu, int vector, long long err_code) except? -2
@cython.locals(vector=cython.int, int_type=cython.longlong, info=cython.longlong)
cpdef vcpu_inject_exception(AcrnVcpu vcpu)
cpdef int interrupt_window_vmexit_handler(AcrnVcpu vcpu) except? -1
@cython.locals(info=cython.longlong)
cpdef int external_interrupt_vmexit_handler(AcrnVcpu vcpu) except? -1
@cython.locals(info=cython.longlong, vector=cython.int, err=cython.longlong)
cpdef int exception_vmexit_handler(AcrnVcpu vcpu) except? -1
cpdef int nmi_window_vmexit_handler(AcrnVcpu vcpu) except? -1
@cython.locals(arch=AcrnVcpuArch, vmcs=Vmcs, injected=cython.bint)
cpdef acrn_handle_pending_request(AcrnVcpu vcpu)
cpdef bint vcpu_inject_hi_exception(AcrnVcpu vcpu) except -1
cpdef bint vcpu_inject_lo_exception(AcrnVcpu vcpu) except -1
@cython.locals(vmcs=Vmcs)
cpdef bint is_nmi_injectable(AcrnVcpu vcpu) except -1
@cython.locals(vmcs=Vmcs, vector=cython.int)
cpdef bint acrn_inject_pending_intr(AcrnVcpu vcpu) except -1
cpdef vcpu_retain_rip(AcrnVcpu vcpu)
@cython.locals(mask=cython.longlong)
cpdef bint _test_and_clear(AcrnVcpu vcpu, int bit) except -1

# last: vcpu.py imports this module (a cycle)
from acrn.core.vcpu cimport kick_vcpu
