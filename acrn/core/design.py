"""A notification design: the handful of choices in which ACRN's versions differ (DESIGN.md section 3).

The core reads these fields at the places where the C code differed between versions; everything
else is one shared core.  Built-in designs are registered by ``acrn.plugins.designs``.
"""
from dataclasses import dataclass, fields

from acrn.core import defs as D
from acrn.errors import AcrnModelError

HANDLE_NMI_CHOICES = ("none", "nmi-window", "reflect", "poll")
NOTIFICATION_NMI_CHOICES = ("none", "lapic-pt", "kick-flag")
# their codes (the index in NOTIFICATION_NMI_CHOICES), as the hypervisor keeps them (Hypervisor.notification_nmi)
NOTIFICATION_NMI_NONE, NOTIFICATION_NMI_LAPIC_PT, NOTIFICATION_NMI_KICK_FLAG = range(3)
INIT_EXIT_CHOICES = ("no-retain", "undefined", "retain")
SMP_CALL_CHOICES = ("ipi", "request")
GUEST_NMI_CHOICES = ("pass", "filter", "virtualize")
NMI_INJECTION_CHOICES = ("unchecked", "checked")
IDLE_CHOICES = ("pause", "hlt")


@dataclass(frozen=True)
class Design:
    name: str
    summary: str
    kick_mode: int  # kick_thread / make_reschedule_request mechanism for lapic-pt threads (SCHED_NOTIFY_*)
    sleep_mode: int  # sleep_thread's mechanism for lapic-pt threads (pause_vcpu, S5)
    lapic_pt_nmi_exiting: bool  # switch_apicv_mode_x2apic sets NMI exiting + virtual NMIs
    handle_nmi: str  # root NMI handler: nothing, arm NMI-window, reflect into the vCPU, poll every source
    notification_nmi: str  # is_notification_nmi: "none" (absent: NMI exits go to the guest), "lapic-pt"
    # (every NMI of a lapic-pt VM is a kick) or "kick-flag" (an NMI is a kick when the sender said so)
    init_exit: str  # INIT exit (reason 3): pre-series handler, undefined (#UD), or retain RIP (2021)
    smp_call: str  # how smp_call_function reaches a lapic-pt pCPU: IPI 0xF0, or a request bit + the kick
    guest_nmi: str = "pass"  # a lapic-pt guest's own NMI sources (ICR, MSI, LVT): reach the hardware
    # unchanged, are filtered out (the series' cover letter), or are virtualized (delivered as virtual NMIs)
    nmi_injection: str = "unchecked"  # ACRN_REQUEST_NMI: inject at once (2019), or wait until injectable
    idle: str = "pause"  # default_idle: PAUSE loop or HLT
    in_demo: bool = True  # a row of `acrn-model demo` (intermediate porting steps are not)

    def __post_init__(self):
        for name, choices in (("handle_nmi", HANDLE_NMI_CHOICES), ("notification_nmi", NOTIFICATION_NMI_CHOICES),
                              ("init_exit", INIT_EXIT_CHOICES), ("smp_call", SMP_CALL_CHOICES),
                              ("guest_nmi", GUEST_NMI_CHOICES), ("nmi_injection", NMI_INJECTION_CHOICES),
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
            if f.name == "in_demo":
                continue
            if f.name in ("kick_mode", "sleep_mode"):
                value = D.NOTIFY_MODES[value]
            out[f.name] = value
        return out
