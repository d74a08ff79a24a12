"""Sending IPIs, NMIs and INITs through the physical x2APIC ICR (``hypervisor/arch/x86/lapic.c``).

Each function builds the ICR value ACRN writes (hw-semantics 1.7) and hands it to the LAPIC model;
delivery happens after the cost model's latency.
"""
from acrn.arch_x86.consts import (
    APIC_DM_FIXED, APIC_DM_INIT, APIC_DM_NMI, APIC_DM_STARTUP, NOTIFY_VCPU_VECTOR, SRC_HV_NOTIFY, SRC_HV_OTHER)
from acrn.arch_x86.lapic_hw import icr_phys


def send_single_ipi(hv, pcpu_id, vector, sources=SRC_HV_NOTIFY):
    """send_single_ipi: fixed, physical destination, ICR lo = vector."""
    pc = hv.per_cpu[pcpu_id]
    hv.sim.write_icr_bits(hv.get_pcpu_id(), icr_phys(vector, APIC_DM_FIXED, pc.lapic_id), sources)


def send_single_nmi(hv, pcpu_id, sources=SRC_HV_NOTIFY):
    """send_single_nmi (the series): ICR lo = 0x400 (NMI, vector 0), physical destination."""
    pc = hv.per_cpu[pcpu_id]
    hv.sim.write_icr_bits(hv.get_pcpu_id(), icr_phys(0, APIC_DM_NMI, pc.lapic_id), sources)


def send_single_init(hv, pcpu_id, sources=SRC_HV_NOTIFY):
    """send_single_init (before the series and after 2021): ICR lo = 0x500 (INIT), physical."""
    pc = hv.per_cpu[pcpu_id]
    hv.sim.write_icr_bits(hv.get_pcpu_id(), icr_phys(0, APIC_DM_INIT, pc.lapic_id), sources)


def send_dest_ipi_mask(hv, dest_mask, vector, sources=SRC_HV_OTHER):
    """send_dest_ipi_mask: one fixed IPI per pCPU in the mask."""
    pcpu_id = 0
    while dest_mask:
        if dest_mask & 1:
            send_single_ipi(hv, pcpu_id, vector, sources)
        dest_mask >>= 1
        pcpu_id += 1


def send_startup_ipi(hv, pcpu_id, startup_paddr):
    """send_startup_ipi: INIT, then a start-up IPI with vector = start address >> 12 (SDM 8.4.4)."""
    apic_id = hv.per_cpu[pcpu_id].lapic_id
    hv.sim.write_icr_bits(hv.get_pcpu_id(), icr_phys(0, APIC_DM_INIT, apic_id), SRC_HV_OTHER)
    hv.sim.write_icr_bits(hv.get_pcpu_id(), icr_phys((startup_paddr >> 12) & 0xFF, APIC_DM_STARTUP, apic_id),
                     SRC_HV_OTHER, extra_delay=hv.sim.cost.cycles(10.0))
