import cython

from acrn.arch_x86.lapic_hw cimport icr_phys
from acrn.core.hv cimport Hypervisor, PerCpu

# the constants this module imports, as C globals (their values: the modules they come from)
cdef long long APIC_DM_FIXED, APIC_DM_INIT, APIC_DM_NMI, APIC_DM_STARTUP, NOTIFY_VCPU_VECTOR, SRC_HV_NOTIFY, \
    SRC_HV_OTHER


@cython.locals(pc=PerCpu)
cpdef send_single_ipi(Hypervisor hv, int pcpu_id, int vector, int sources=*)
@cython.locals(pc=PerCpu)
cpdef send_single_nmi(Hypervisor hv, int pcpu_id, int sources=*)
cpdef send_single_init(Hypervisor hv, int pcpu_id, int sources=*)
