"""Passthrough-device interrupts, as in ACRN's ``hypervisor/common/ptdev.c`` and
``arch/x86/guest/assign.c``: the hypervisor programs a passthrough device's physical MSI on behalf of
the guest (ptirq_prepare_msix_remap)."""
from acrn.arch_x86 import consts as C
from acrn.arch_x86.msi import msi_decode, msi_encode


class PtDevice:
    """A passthrough PCI function with one MSI: its physical (address, data) as programmed, and the
    pending bit of its interrupt status register (what an NMI handler can read)."""

    def __init__(self, name, vm):
        self.name = name
        self.vm = vm
        self.phys_msi = None  # (address, data) or None while not programmed
        self.dest_pcpu = -1
        self.pending_nmi = False


def ptirq_prepare_msix_remap(vm, device, virt_addr, virt_data):
    """ptirq_prepare_msix_remap: translate the guest's MSI (virtual destination = vCPU id) into the
    physical one.  A lapic-pt guest keeps its vector and delivery mode.  The series' filter refuses NMI
    delivery (the MSI stays unprogrammed); nmi-vnmi programs it and learns about it by polling."""
    hv = vm.hv
    msi = msi_decode(virt_addr, virt_data)
    vcpu = vm.vcpus[msi.dest] if msi.dest < len(vm.vcpus) else vm.vcpus[0]
    if msi.delivery_mode == C.APIC_DM_NMI and hv.design.guest_nmi == "filter":
        hv.obs.log(None, "%s: MSI with NMI delivery refused for %s" % (device.name, vm.name))
        hv.obs.nmi_filtered(C.SRC_DEVICE_MSI)
        device.phys_msi = None
        return -1
    dest = hv.per_cpu[vcpu.pcpu_id].lapic_id
    device.phys_msi = msi_encode(dest, msi.vector, msi.delivery_mode)
    device.dest_pcpu = vcpu.pcpu_id
    if device not in hv.pt_devices:
        hv.pt_devices.append(device)
    return 0
