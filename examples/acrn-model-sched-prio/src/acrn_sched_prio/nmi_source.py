"""An NMI source: a guest's NMI watchdog (Linux's hard-lockup detector) on the PMU.

acrn-model's engine has no NMI-source mechanism yet: this object is registered through
``acrn_register_nmi_sources`` and listed (``acrn-model plugins``), and a scenario will be able to enable it
once that work lands.  Until then it raises no NMIs; nothing here pretends otherwise.  It carries what such
a source is: a name, a description, the model tag of who raises its NMIs (``tag``) and how often.
"""
from acrn.arch_x86 import consts as C


class NmiWatchdog:
    """A performance counter that counts unhalted cycles and overflows every ``period_us``; the guest
    programs LVT-PMC with NMI delivery, so each overflow is an NMI the guest's watchdog expects."""

    name = "prio-watchdog"
    description = ("guest NMI watchdog: a PMU counter overflowing every period_us, delivered as an NMI through "
                   "LVT-PMC (raises nothing until acrn-model's NMI-sources work lands)")
    tag = C.SRC_PMU

    def __init__(self, period_us=1000.0):
        self.period_us = period_us

    def __repr__(self):
        return "<NMI source %s, every %.0f us>" % (self.name, self.period_us)
