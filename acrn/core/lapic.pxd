from acrn.core.hv cimport Hypervisor


cpdef send_single_ipi(Hypervisor hv, int pcpu_id, int vector, int sources=*)
cpdef send_single_nmi(Hypervisor hv, int pcpu_id, int sources=*)
cpdef send_single_init(Hypervisor hv, int pcpu_id, int sources=*)
