"""A custom exit handler: count CPUID exits per vCPU, then do what the built-in handler does.

Registered for basic exit reason 10 (CPUID) through ``acrn_register_exit_handlers``; it replaces that row of
``dispatch_table``.  Each vCPU carries its own count in an attribute of this plugin's (``COUNT_ATTR``), so
the counts belong to the run and go away with it; ``cpuid_exits(run)`` reads them.  (A plugin may add
attributes to the model's objects; it never changes the model's own.)
"""
from acrn.arch_x86 import consts as C
from acrn.core.vmexit import cpuid_vmexit_handler
from acrn.engine.cost import S_VMEXIT_HANDLER

REASON = C.VMX_EXIT_REASON_CPUID
COUNT_ATTR = "sched_prio_cpuid_exits"


def counting_cpuid_vmexit_handler(vcpu):
    """cpuid_vmexit_handler, counted: returns its status (0, so the entry advances RIP past CPUID)."""
    setattr(vcpu, COUNT_ATTR, getattr(vcpu, COUNT_ATTR, 0) + 1)
    return cpuid_vmexit_handler(vcpu)


# (handler, cost step, is_generator): the same cost as the built-in row, so runs stay identical
DISPATCH_ENTRY = (counting_cpuid_vmexit_handler, S_VMEXIT_HANDLER, False)


def cpuid_exits(run):
    """{vCPU name: CPUID exits handled} for every vCPU of ``run`` (an ``acrn.host.run.Run``)."""
    return {vcpu.name: getattr(vcpu, COUNT_ATTR, 0) for vm in run.hv.vms for vcpu in vm.vcpus}
