"""Power management I/O, as in ACRN's ``hypervisor/arch/x86/guest/pm.c``."""
from acrn.core import defs as D

# The model's ACPI layout: PM1a control block port and the S5 sleep type the guest writes.
PM1A_CNT_ADDR = 0x404
SLP_EN = 1 << 13
SLP_TYP_SHIFT = 10
SLP_TYP_MASK = 0x7
S5_SLP_TYP = 5
PM1A_S5_VALUE = SLP_EN | (S5_SLP_TYP << SLP_TYP_SHIFT)


def rt_vm_pm1a_io_write(vm, port, value):
    """rt_vm_pm1a_io_write: an RTVM writing S5|SLP_EN to PM1a_CNT starts powering off; the write is
    then left to the device model (returns False).  Any other port is handled in the hypervisor."""
    if port != PM1A_CNT_ADDR or not vm.lapic_pt:
        return True
    if (value & SLP_EN) and ((value >> SLP_TYP_SHIFT) & SLP_TYP_MASK) == S5_SLP_TYP:
        vm.state = D.VM_POWERING_OFF
        vm.hv.obs.s5_started(vm)
    return False
