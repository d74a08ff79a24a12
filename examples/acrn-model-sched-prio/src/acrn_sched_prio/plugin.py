"""The plugin module (entry point ``sched_prio`` in group ``acrn_model``): three setup-time hooks, no
run-time observer (so runs pay nothing per exit for this plugin beyond its CPUID handler)."""
from acrn.hookspecs import hookimpl

from acrn_sched_prio.cpuid_counter import DISPATCH_ENTRY, REASON
from acrn_sched_prio.nmi_source import NmiWatchdog
from acrn_sched_prio.sched_prio import SchedPrio


@hookimpl
def acrn_register_schedulers():
    return {"prio": SchedPrio}


@hookimpl
def acrn_register_exit_handlers():
    return {REASON: DISPATCH_ENTRY}


@hookimpl
def acrn_register_nmi_sources():
    source = NmiWatchdog()
    return {source.name: source}
