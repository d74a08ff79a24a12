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
    summary="the whole series: NMI kick + NMI-window exiting in handle_nmi + S5 by NMI; INIT path removed",
    kick_mode=D.SCHED_NOTIFY_NMI, sleep_mode=D.SCHED_NOTIFY_NMI, lapic_pt_nmi_exiting=True,
    handle_nmi="nmi-window", notification_nmi="lapic-pt", init_exit="undefined", smp_call="ipi")
INIT = Design(
    name="init",
    summary="ACRN after 2021: INIT kicks lapic-pt vCPUs (latched in root); NMIs go to the guest; smp_call by request + INIT",
    kick_mode=D.SCHED_NOTIFY_INIT, sleep_mode=D.SCHED_NOTIFY_INIT, lapic_pt_nmi_exiting=False,
    handle_nmi="reflect", notification_nmi="none", init_exit="retain", smp_call="init-request")

BUILTIN_DESIGNS = {d.name: d for d in (IPI, NMI_NAIVE, NMI_NOWINDOW, NMI, INIT)}


@hookimpl
def acrn_register_designs():
    return dict(BUILTIN_DESIGNS)
