"""Every hook of acrn-model (pluggy project ``acrn``), and nothing else.

Two kinds of hooks (docs/plugins.md shows one plugin of each kind):

- *Setup-time* hooks (``acrn_register_*``) take no argument and return a table (a dict).  They are called
  once, when the registry is built (``acrn.plugin.Registry``), in plugin registration order (built-ins
  first, then entry-point plugins, then ``-p`` modules).  The tables are merged: a name that a second
  plugin registers again is an error naming both plugins.  Returning ``None`` means "nothing to add";
  anything that is not a dict, or a dict whose entries have the wrong shape, is an error naming the
  plugin and the hook.
- *Run-time observers* (``acrn_on_*``) are called during a run, only when at least one plugin implements
  them; with none, the engine's hot path does not even look them up.  They see the model's public objects
  (``acrn.core.vcpu.AcrnVcpu`` ...) and must not change them; they return ``None``.  ``time`` is the
  simulated time in TSC cycles.  An implementation may take any subset of the arguments, by name.

A plugin that raises, or returns the wrong shape, stops the run with a one-line ``acrn.errors.PluginError``
naming the plugin, the hook and (at run time) the simulated time; the CLI exits with status 2.
"""
import pluggy

PROJECT = "acrn"
ENTRY_POINT_GROUP = "acrn_model"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# ---- setup time ----------------------------------------------------------------------------------------
@hookspec
def acrn_register_designs():
    """Setup time.  Return ``{name: acrn.core.design.Design}``: notification designs.

    A design is the handful of choices in which ACRN's versions differ (kick and sleep mechanisms for
    lapic-pt vCPUs, NMI exiting, what ``handle_nmi`` does, ``is_notification_nmi``, the INIT exit handler,
    smp_call); ``acrn-model run SCENARIO --design NAME`` selects one."""


@hookspec
def acrn_register_schedulers():
    """Setup time.  Return ``{name: class}``: scheduler classes with the operations of ACRN's
    ``struct acrn_scheduler``, each instance constructed as ``cls(hv)`` (``hv``: the
    ``acrn.core.hv.Hypervisor``), one instance shared by every pCPU:

    - ``init(ctl)``: per-pCPU set-up (``ctl``: ``acrn.core.schedule.SchedControl``; keep state in ``ctl.priv``);
    - ``init_data(ctl, obj)``: a new thread (``obj``: ``ThreadObject``; its vCPU is ``obj.data``, or None
      for the idle thread; keep per-thread state in ``obj.sched_data``);
    - ``pick_next(ctl)``: the thread to run next on ``ctl.pcpu_id``, or None for idle;
    - ``sleep(ctl, obj)`` / ``wake(ctl, obj)``: the thread leaves / joins the runnable set (the framework
      then asks the pCPU to reschedule, so a higher-priority wake preempts at the next ``schedule()``);
    - ``tick(ctl)``: the pCPU's 1 ms hypervisor timer (only if ``init`` started one with
      ``hv.sim.start_sched_tick``);
    - ``deinit_data(ctl, obj)``: the thread goes away.

    A scenario selects one with ``scheduler = "NAME"``."""


@hookspec
def acrn_register_exit_handlers():
    """Setup time.  Return ``{basic exit reason: (handler, cost step id, is_generator)}``: rows that
    replace ``dispatch_table`` entries (``acrn.core.vmexit.build_dispatch_table``).

    ``handler(vcpu)`` returns an int status like ACRN's handlers (0: done; the next entry advances RIP by
    ``vcpu.arch.inst_len`` unless the handler called ``vcpu_retain_rip``; negative: the vCPU loop injects
    #GP).  When ``is_generator`` is False the handler takes the cost of ``step`` (an id of
    ``acrn.engine.cost``); when True it is a generator that yields its own steps (see
    ``acrn.engine.ops``) and returns the status.  Wrapping a built-in handler keeps its behaviour::

        from acrn.core.vmexit import cpuid_vmexit_handler
        def counting_cpuid(vcpu):
            COUNT[vcpu.name] += 1
            return cpuid_vmexit_handler(vcpu)
        {10: (counting_cpuid, acrn.engine.cost.S_VMEXIT_HANDLER, False)}
    """


@hookspec
def acrn_register_nmi_sources():
    """Setup time.  Return ``{name: source}``: guest NMI sources a scenario enables per lapic-pt VM with
    ``[[vm.nmi]] source = "NAME"`` (``every_us = [lo, hi]``, optional ``vcpus``, ``args``).  A source has

    - ``name``, ``description``: strings;
    - ``tag``: the ``acrn.arch_x86.consts.SRC_*`` bit its NMIs carry (the invariants tell a guest's own
      NMIs from the hypervisor's kicks by it);
    - ``install(run, vcpu, spec)``: called once per selected vCPU while the run is built (``spec``: the
      scenario's ``acrn.scenarios.NmiSpec``): program what the guest would program at boot and schedule
      the events (``run.sim.call_at``, intervals drawn with ``run.sim.chooser.latency``); each event calls
      ``run.obs.guest_nmi_raised(vcpu, tag)`` and delivers what the hardware would deliver.

    ``acrn.guest.nmi_sources`` has the built-in ones (PMU, thermal and LINT1 through their LVT entries,
    a passthrough device's MSI, a guest's NMI IPI) to copy or subclass."""


@hookspec
def acrn_register_workloads():
    """Setup time.  Return ``{kind: (basic exit reason, instruction length)}``: guest activities a
    scenario's ``[[vm.work]] kind = ...`` may name (instruction length -1: the handler decides, like an
    EPT violation).  The exit reason needs a ``dispatch_table`` row (built in, or from
    ``acrn_register_exit_handlers``); otherwise the run records an unhandled-exit fault."""


@hookspec
def acrn_register_invariants():
    """Setup time.  Return ``{name: invariant}``: objects with ``name``, ``description``,
    ``check(run) -> list of acrn.engine.result.Violation`` and, optionally, ``exercised(run) -> bool``
    (False shows the verdict as "-").  ``run`` is the finished ``acrn.host.run.Run``: read ``run.obs``
    (the observer's records: a run keeps every request, kick, guest interrupt... whenever a plugin
    invariant is loaded), ``run.hv``, ``run.scenario``; ``run.cycles(us)`` / ``run.us(cycles)``
    convert.  Every invariant is checked at the end of every run."""


# ---- run time -----------------------------------------------------------------------------------------
@hookspec
def acrn_on_vmexit(pcpu_id, vcpu, reason, time):
    """Run time, at every VM exit, before the exit transition's cost and before the exit handler runs.
    ``reason`` is the basic exit reason (SDM Appendix C: 0 exception or NMI, 1 external interrupt,
    3 INIT, 7 interrupt window, 8 NMI window, 10 CPUID, 18 VMCALL, 30 I/O, 32 WRMSR, 48 EPT violation);
    ``time`` is when the guest stopped."""


@hookspec
def acrn_on_vmentry(pcpu_id, vcpu, time):
    """Run time, at every successful VM entry (VMLAUNCH/VMRESUME), when the entry starts; the guest runs
    from ``time`` plus the entry's cost.  Failed entries are not reported here (they are faults)."""


@hookspec
def acrn_on_request(vcpu, bit, what, time):
    """Run time, for every request bit (``acrn.core.defs.ACRN_REQUEST_*``): ``what == "made"`` at each
    ``vcpu_make_request`` (also when the bit is already pending), ``"handled"`` when
    ``acrn_handle_pending_request`` (or a handler) consumes it."""


@hookspec
def acrn_on_nmi(pcpu_id, sources, in_guest, time):
    """Run time, when an NMI is taken on a pCPU: in VMX root through the host IDT (``in_guest`` False,
    ``handle_nmi`` runs) or as an NMI-caused VM exit (``in_guest`` True).  ``sources`` is the bitmask of
    who raised it (``acrn.arch_x86.consts.SRC_*``; ``source_names(sources)`` spells it)."""
