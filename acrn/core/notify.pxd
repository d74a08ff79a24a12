import cython

from acrn.core.hv cimport Hypervisor

# the constants this module imports, as C globals (their values: the modules they come from)
cdef long long NOTIFY_VCPU_VECTOR, SRC_HV_OTHER, ACRN_REQUEST_SMP_CALL, NOTIFICATION_NMI_NONE, S_SMP_CALL_FUNC, \
    S_SPIN, OP_WAIT


@cython.locals(hv=Hypervisor)
cpdef bint is_notification_nmi(vm) except -1
