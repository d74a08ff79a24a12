"""A notification design: the handful of choices in which ACRN's versions differ (DESIGN.md section 3).

The core reads these fields at the places where the C code differed between versions; everything
else is one shared core.  Built-in designs are registered by ``acrn.plugins.designs``.
"""
from dataclasses import dataclass, fields

from acrn.core import defs as D
from acrn.errors import AcrnModelError

HANDLE_NMI_CHOICES = ("none", "nmi-window", "reflect")
NOTIFICATION_NMI_CHOICES = ("none", "lapic-pt")
INIT_EXIT_CHOICES = ("no-retain", "undefined", "retain")
SMP_CALL_CHOICES = ("ipi", "init-request")
IDLE_CHOICES = ("pause", "hlt")


@dataclass(frozen=True)
class Design:
    name: str
    summary: str
    kick_mode: int  # kick_thread / make_reschedule_request mechanism for lapic-pt threads (SCHED_NOTIFY_*)
    sleep_mode: int  # sleep_thread's mechanism for lapic-pt threads (pause_vcpu, S5)
    lapic_pt_nmi_exiting: bool  # switch_apicv_mode_x2apic sets NMI exiting + virtual NMIs
    handle_nmi: str  # what the root NMI handler does: nothing, arm NMI-window, reflect into the vCPU
    notification_nmi: str  # is_notification_nmi: "none" (absent: NMI exits go to the guest) or "lapic-pt"
    init_exit: str  # INIT exit (reason 3): pre-series handler, undefined (#UD), or retain RIP (2021)
    smp_call: str  # how smp_call_function reaches a lapic-pt pCPU
    idle: str = "pause"  # default_idle: PAUSE loop or HLT

    def __post_init__(self):
        for name, choices in (("handle_nmi", HANDLE_NMI_CHOICES), ("notification_nmi", NOTIFICATION_NMI_CHOICES),
                              ("init_exit", INIT_EXIT_CHOICES), ("smp_call", SMP_CALL_CHOICES),
                              ("idle", IDLE_CHOICES)):
            if getattr(self, name) not in choices:
                raise AcrnModelError("design %s: %s=%r, allowed: %s" % (self.name, name, getattr(self, name), ", ".join(choices)))
        for name in ("kick_mode", "sleep_mode"):
            if getattr(self, name) not in D.NOTIFY_MODES:
                raise AcrnModelError("design %s: %s=%r is not a SCHED_NOTIFY_* value" % (self.name, name, getattr(self, name)))

    def describe(self):
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("kick_mode", "sleep_mode"):
                value = D.NOTIFY_MODES[value]
            out[f.name] = value
        return out
