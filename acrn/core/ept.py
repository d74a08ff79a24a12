"""EPT updates, as in ACRN's ``hypervisor/arch/x86/guest/ept.c``."""
from acrn.core.defs import (
    ACRN_REQUEST_EPT_FLUSH)
from acrn.core.virq import vcpu_make_request


def ept_modify_mr(vm):
    """ept_modify_mr: change the VM's EPT, then ask every vCPU to flush (ACRN_REQUEST_EPT_FLUSH):
    until it does, a vCPU may still use the stale translation."""
    for vcpu in vm.vcpus:
        vcpu_make_request(vcpu, ACRN_REQUEST_EPT_FLUSH)
