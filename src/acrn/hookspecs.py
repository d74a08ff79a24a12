"""Every hook of acrn-model (pluggy project ``acrn``), and nothing else.

Setup-time hooks return tables; they are called once when the registry is built, and their answers are
merged (a later plugin cannot silently replace an earlier name: that is an error naming both).
Run-time observers are called only when at least one plugin implements them; otherwise the engine's
hot path does not even look them up.
"""
import pluggy

PROJECT = "acrn"
ENTRY_POINT_GROUP = "acrn_model"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def acrn_register_designs():
    """Setup time.  Return ``{name: acrn.core.design.Design}``: notification designs."""


@hookspec
def acrn_register_schedulers():
    """Setup time.  Return ``{name: class}``: scheduler classes with ACRN's ``struct acrn_scheduler``
    operations (init, init_data, pick_next, sleep, wake, tick, deinit_data), constructed with the
    hypervisor instance."""


@hookspec
def acrn_register_exit_handlers():
    """Setup time.  Return ``{basic exit reason: (handler(vcpu) -> int, cost step id, is_generator)}``:
    entries that replace ``dispatch_table`` rows (``acrn.core.vmexit.build_dispatch_table``)."""


@hookspec
def acrn_register_nmi_sources():
    """Setup time.  Return ``{name: source}``: NMI sources a scenario can enable."""


@hookspec
def acrn_register_workloads():
    """Setup time.  Return ``{kind: (exit reason, instruction length)}``: guest activities a scenario's
    ``[[vm.work]]`` may name."""


@hookspec
def acrn_register_invariants():
    """Setup time.  Return ``{name: invariant}``: objects with ``name``, ``description`` and
    ``check(run) -> list of acrn.engine.result.Violation``."""


@hookspec
def acrn_on_vmexit(pcpu_id, vcpu, reason, time):
    """Run time, after every VM exit (basic reason), before the exit handler runs."""


@hookspec
def acrn_on_vmentry(pcpu_id, vcpu, time):
    """Run time, at every successful VM entry."""


@hookspec
def acrn_on_request(vcpu, bit, what, time):
    """Run time, when a request bit is made (``what == "made"``) or handled (``"handled"``)."""


@hookspec
def acrn_on_nmi(pcpu_id, sources, in_guest, time):
    """Run time, when an NMI is taken on a pCPU: in root (``in_guest`` False) or as an NMI exit."""
