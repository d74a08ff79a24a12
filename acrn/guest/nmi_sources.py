"""Guest NMI sources, each modelled on the hardware path its NMIs really take.

A source is enabled per VM in a scenario (``[[vm.nmi]] source = "pmu"``).  It programs what the guest
would program at boot (an LVT entry, an MSI), then raises its events every [lo, hi] microseconds (drawn
through the chooser, so the explorer varies them).  Every raised event is recorded as a guest NMI that
must reach the guest (invariant ``no-lost-guest-nmi``), whether or not the hardware ends up delivering
one: a filtered source raises events that can never arrive.

Plugins add sources through ``acrn_register_nmi_sources``: objects with ``name``, ``description``,
``tag`` (a ``consts.SRC_*`` bit) and ``install(run, vcpu, spec)``.
"""
from acrn.arch_x86 import consts as C
from acrn.arch_x86.lapic_hw import lvt_encode
from acrn.arch_x86.msi import msi_encode
from acrn.guest.guest import GuestWork
from acrn.engine.sim import ARR_FIXED, ARR_NMI


class LvtSource:
    """An NMI source behind an LVT entry (PMC overflow, thermal event, LINT1 pin).  The guest programs
    the entry with NMI delivery at boot (a WRMSR: passed through, or intercepted by a filtering design)."""

    def __init__(self, name, lvt, tag, description, status_attr, status_bit):
        self.name, self.lvt, self.tag, self.description = name, lvt, tag, description
        self.status_attr, self.status_bit = status_attr, status_bit

    def install(self, run, vcpu, spec):
        value = lvt_encode(self.lvt, 0, C.APIC_DM_NMI)
        vcpu.guest.items.append(GuestWork("lvt", at=0, count=1, args=(self.lvt, value)))
        _periodic(run, spec, lambda: self.fire(run, vcpu))

    def fire(self, run, vcpu):
        """The event happens: set the status software can poll, then deliver what the LVT says."""
        if not _guest_alive(vcpu):
            return
        hw = run.sim.hw[vcpu.pcpu_id]
        run.obs.guest_nmi_raised(vcpu, self.tag)
        setattr(hw, self.status_attr, getattr(hw, self.status_attr) | self.status_bit)
        entry = hw.lapic.lvt[self.lvt]
        if entry & C.LVT_MASKED:
            return  # nothing is delivered: the event is lost
        dm = (entry >> C.LVT_DM_SHIFT) & 0x7
        if dm == C.APIC_DM_NMI:
            run.sim.deliver(vcpu.pcpu_id, ARR_NMI, 0, self.tag)
        elif dm == C.APIC_DM_FIXED:
            run.sim.deliver(vcpu.pcpu_id, ARR_FIXED, entry & 0xFF, self.tag)


class MsiSource:
    """A passthrough device whose MSI the guest programs with NMI delivery to one of its vCPUs."""

    name = "msi"
    tag = C.SRC_DEVICE_MSI
    description = "a passthrough device's MSI programmed with NMI delivery (ptirq_prepare_msix_remap)"

    def install(self, run, vcpu, spec):
        from acrn.core.ptirq import PtDevice, ptirq_prepare_msix_remap

        device = PtDevice("%s-dev%d" % (vcpu.vm.name, len(run.hv.pt_devices)), vcpu.vm)
        addr, data = msi_encode(vcpu.vcpu_id, 0, C.APIC_DM_NMI)

        def program():  # the guest's MSI capability write, trapped by the hypervisor's vPCI
            saved = run.sim.cur_cpu
            run.sim.cur_cpu = vcpu.pcpu_id
            ptirq_prepare_msix_remap(vcpu.vm, device, addr, data)
            run.sim.cur_cpu = saved

        run.sim.call_at(0, program)
        _periodic(run, spec, lambda: self.fire(run, vcpu, device))

    def fire(self, run, vcpu, device):
        if not _guest_alive(vcpu):
            return
        run.obs.guest_nmi_raised(vcpu, self.tag)
        if device.phys_msi is None:
            return  # refused: the device's interrupt goes nowhere
        device.pending_nmi = True
        run.sim.deliver(device.dest_pcpu, ARR_NMI, 0, self.tag)


class GuestIpiSource:
    """A guest's own NMI IPI: vCPU ``spec.vcpus`` sends NMIs (ICR delivery mode NMI) to vCPU ``args[0]``
    of the same VM.  The ICR write is trapped (vlapic_x2apic_pt_icr_access)."""

    name = "guest-ipi"
    tag = C.SRC_GUEST_IPI
    description = "a guest's NMI IPI (x2APIC ICR write with NMI delivery, trapped on lapic-pt)"

    def install(self, run, vcpu, spec):
        dest = spec.args[0] if spec.args else (vcpu.vcpu_id + 1) % len(vcpu.vm.vcpus)
        vcpu.guest.items.append(GuestWork("ipi", run.cost.cycles(spec.lo_us), run.cost.cycles(spec.hi_us),
                                          args=(dest, 0, C.APIC_DM_NMI)))


def _guest_alive(vcpu):
    from acrn.core import defs as D

    return vcpu.state == D.VCPU_RUNNING and vcpu.vm.state == D.VM_STARTED


def _periodic(run, spec, fire):
    """Call ``fire`` every [lo, hi] us (first at one interval), for the whole run."""
    sim = run.sim
    lo, hi = run.cost.cycles(spec.lo_us), run.cost.cycles(spec.hi_us)

    def tick():
        fire()
        sim.call_at(sim.now + sim.chooser.latency(lo, hi, 0), tick)

    sim.call_at(sim.chooser.latency(lo, hi, 0), tick)


BUILTIN_SOURCES = {
    "pmu": LvtSource("pmu", C.LVT_PMC, C.SRC_PMU, "LVT-PMC overflow (perf with NMI-delivered PMIs)",
                     "perf_global_status", 1),
    "thermal": LvtSource("thermal", C.LVT_THERMAL, C.SRC_THERMAL, "LVT thermal event with NMI delivery",
                         "therm_status", 1),
    "lint1": LvtSource("lint1", C.LVT_LINT1, C.SRC_LINT1, "LINT1 / watchdog NMI (external pin, LVT LINT1)",
                       "nmi_sc", C.NMI_SC_SERR),
    "msi": MsiSource(),
    "guest-ipi": GuestIpiSource(),
}
