"""The built-in notification designs (DESIGN.md section 3), registered like any plugin's."""
from acrn.core import defs as D
from acrn.core.design import Design
from acrn.hookspecs import hookimpl

IPI = Design(
    name="ipi",
    summary="before the series: IPI 0xF0 kicks every vCPU; S5 of lapic-pt VMs by INIT",
    kick_mode=D.SCHED_NOTIFY_IPI, sleep_mode=D.SCHED_NOTIFY_INIT, lapic_pt_nmi_exiting=False,
    handle_nmi="none", notification_nmi="none", init_exit="no-retain", smp_call="ipi")
NMI_NAIVE = Design(
    name="nmi-naive",
    summary="patch 1: NMI kicks lapic-pt vCPUs (NMI exiting + virtual NMIs); NMI exits re-injected into the guest",
    kick_mode=D.SCHED_NOTIFY_NMI, sleep_mode=D.SCHED_NOTIFY_INIT, lapic_pt_nmi_exiting=True,
    handle_nmi="none", notification_nmi="none", init_exit="no-retain", smp_call="ipi")
NMI_NOWINDOW = Design(
    name="nmi-nowindow",
    summary="patches 1-2: notification NMIs dropped (is_notification_nmi); no NMI-window exiting",
    kick_mode=D.SCHED_NOTIFY_NMI, sleep_mode=D.SCHED_NOTIFY_INIT, lapic_pt_nmi_exiting=True,
    handle_nmi="none", notification_nmi="lapic-pt", init_exit="no-retain", smp_call="ipi")
NMI = Design(
    name="nmi",
    summary="the whole series: NMI kick + NMI-window exiting in handle_nmi + S5 by NMI; INIT path removed; "
            "the cover letter's to-dos: guest NMI sources filtered, smp_call by request + NMI",
    kick_mode=D.SCHED_NOTIFY_NMI, sleep_mode=D.SCHED_NOTIFY_NMI, lapic_pt_nmi_exiting=True,
    handle_nmi="nmi-window", notification_nmi="lapic-pt", init_exit="undefined", smp_call="request",
    guest_nmi="filter")
INIT = Design(
    name="init",
    summary="ACRN after 2021: INIT kicks lapic-pt vCPUs (latched in root); NMIs go to the guest; smp_call by request + INIT",
    kick_mode=D.SCHED_NOTIFY_INIT, sleep_mode=D.SCHED_NOTIFY_INIT, lapic_pt_nmi_exiting=False,
    handle_nmi="reflect", notification_nmi="none", init_exit="retain", smp_call="request",
    nmi_injection="checked")
NMI_VNMI = Design(
    name="nmi-vnmi",
    summary="beyond ACRN: NMI kick with a per-pCPU kick flag; every NMI polls all sources; the guest's own NMIs "
            "are delivered as virtual NMIs (injected when injectable, NMI-window otherwise)",
    kick_mode=D.SCHED_NOTIFY_NMI, sleep_mode=D.SCHED_NOTIFY_NMI, lapic_pt_nmi_exiting=True,
    handle_nmi="poll", notification_nmi="kick-flag", init_exit="undefined", smp_call="request",
    guest_nmi="virtualize", nmi_injection="checked")

BUILTIN_DESIGNS = {d.name: d for d in (IPI, NMI_NAIVE, NMI_NOWINDOW, NMI, INIT, NMI_VNMI)}


# The porting guide's intermediate steps (docs/porting.md): the series one patch at a time, where no design
# above is exactly that state.  ipi = before the series, nmi-naive = patch 1, nmi-nowindow = patches 1-2.
NMI_WINDOW = Design(
    name="nmi-window",
    in_demo=False,
    summary="patches 1-3 (a13909ced): + NMI-window exiting armed in handle_nmi; S5 of lapic-pt VMs still by INIT",
    kick_mode=D.SCHED_NOTIFY_NMI, sleep_mode=D.SCHED_NOTIFY_INIT, lapic_pt_nmi_exiting=True,
    handle_nmi="nmi-window", notification_nmi="lapic-pt", init_exit="no-retain", smp_call="ipi")
NMI_S5 = Design(
    name="nmi-s5",
    in_demo=False,
    summary="patches 1-4 (6d1f63aef): + S5 by NMI (notify_mode SCHED_NOTIFY_NMI); INIT exit handler still there",
    kick_mode=D.SCHED_NOTIFY_NMI, sleep_mode=D.SCHED_NOTIFY_NMI, lapic_pt_nmi_exiting=True,
    handle_nmi="nmi-window", notification_nmi="lapic-pt", init_exit="no-retain", smp_call="ipi")
NMI_SERIES = Design(
    name="nmi-series",
    in_demo=False,
    summary="patches 1-5 (5f9d1379b), the series as merged: + INIT notification removed (INIT exit -> #UD); "
            "none of the cover letter's to-dos",
    kick_mode=D.SCHED_NOTIFY_NMI, sleep_mode=D.SCHED_NOTIFY_NMI, lapic_pt_nmi_exiting=True,
    handle_nmi="nmi-window", notification_nmi="lapic-pt", init_exit="undefined", smp_call="ipi")
PATCH_STEPS = {d.name: d for d in (NMI_WINDOW, NMI_S5, NMI_SERIES)}


@hookimpl
def acrn_register_designs():
    """The built-in designs, with the porting steps in patch order after nmi-nowindow."""
    out = {}
    for name, design in BUILTIN_DESIGNS.items():
        out[name] = design
        if name == "nmi-nowindow":
            out.update(PATCH_STEPS)
    return out
