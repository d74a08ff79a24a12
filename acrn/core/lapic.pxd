import cython

from acrn.core.hv cimport Hypervisor, PerCpu


@cython.locals(pc=PerCpu)
cpdef send_single_ipi(Hypervisor hv, int pcpu_id, int vector, int sources=*)
@cython.locals(pc=PerCpu)
cpdef send_single_nmi(Hypervisor hv, int pcpu_id, int sources=*)
cpdef send_single_init(Hypervisor hv, int pcpu_id, int sources=*)
