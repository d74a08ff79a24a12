import cython

from acrn.arch_x86.vmx cimport Vmcs
from acrn.core.vcpu cimport AcrnVcpu, AcrnVcpuArch


cpdef vcpu_make_request(AcrnVcpu vcpu, int eventid)
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
