"""acrn-model-sched-prio: an example acrn-model plugin package.

- ``sched_prio.SchedPrio``: ACRN's priority scheduler (``hypervisor/common/sched_prio.c``, 2021), as scenario
  scheduler ``"prio"``;
- ``cpuid_counter``: an exit handler for CPUID that counts the exits of each vCPU, then does what the
  built-in handler does;
- ``nmi_source.NmiWatchdog``: an NMI source, ``nmi-watchdog`` (a guest NMI watchdog on the PMU).

``plugin`` is the module registered through the ``acrn_model`` entry point.
"""
import os

__version__ = "0.1.0"

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.join(HERE, "prio-share.toml")
"""A scenario that uses the priority scheduler: two VMs of different priority share pCPU 1."""
WATCHDOG_SCENARIO = os.path.join(HERE, "watchdog.toml")
"""A scenario that enables the NMI watchdog on a lapic-pt RTVM that the service VM keeps kicking."""
