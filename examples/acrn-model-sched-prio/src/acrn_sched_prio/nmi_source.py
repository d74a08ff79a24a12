"""An NMI source: a guest's NMI watchdog (Linux's hard-lockup detector) on the PMU.

A scenario enables it on a lapic-pt VM with ``[[vm.nmi]] source = "nmi-watchdog"`` and ``every_us`` (the
watchdog period; Linux uses seconds, a model run wants microseconds).  It is one of acrn-model's LVT-based
sources (``acrn.guest.nmi_sources.LvtSource``): at boot the guest programs LVT-PMC with NMI delivery (a
WRMSR: passed through on a lapic-pt vCPU, or intercepted by a design that filters guest NMI sources); every
period the counter overflows, the overflow status bit is set, and the LVT entry delivers an NMI to the
vCPU's pCPU.  Each overflow is recorded as a guest NMI that must reach the guest (``no-lost-guest-nmi``).
"""
from acrn.arch_x86 import consts as C
from acrn.guest.nmi_sources import LvtSource


class NmiWatchdog(LvtSource):
    """``name``, ``description``, ``tag`` and ``install(run, vcpu, spec)``: what acrn_register_nmi_sources
    asks of a source.  ``install`` (inherited) programs LVT-PMC and schedules the overflows."""

    def __init__(self):
        super().__init__(
            "nmi-watchdog", C.LVT_PMC, C.SRC_PMU,
            "guest NMI watchdog: a PMU counter overflowing every period, its PMI delivered as an NMI through LVT-PMC",
            "perf_global_status", 1)

    def __repr__(self):
        return "<NMI source %s>" % self.name
