"""The host builder: a scenario and a design become a running system (engine + hypervisor + guests).

It sits above ``acrn.core`` and hands the hypervisor's entry points (NMI handler, interrupt dispatch, CPU
start) to the engine, which knows no hypervisor.  :mod:`acrn.host.run` builds and runs, :mod:`acrn.host.observe`
keeps the invariants' records, :mod:`acrn.host.tracing` turns model events into acrntrace records.
"""
