import cython

from acrn.core.vcpu cimport AcrnVcpu
from acrn.core.virq cimport vcpu_make_request


@cython.locals(vcpu=AcrnVcpu)
cpdef ept_modify_mr(vm)
