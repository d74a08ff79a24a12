"""Build a host from a scenario and a design, run it, and judge it with the invariants.

Memory: the observer judges the built-in invariants online (``acrn.host.observe``); a run keeps every
request, kick, guest interrupt... (``Observer.records``) only when asked (``records=True``) or when a
plugin invariant is loaded, since plugin invariants read those records after the run."""
import acrn
from acrn.arch_x86 import consts as C
from acrn.core import defs as D
from acrn.core.cpu import init_pcpu_post
from acrn.core.hv import Hypervisor
from acrn.core.hv_main import start_idle_thread
from acrn.core.irq import dispatch_interrupt, handle_nmi
from acrn.core.vm import create_vm, start_vm
from acrn.core.vmexit import build_dispatch_table
from acrn.engine.chooser import Chooser
from acrn.engine.cost import CostModel
from acrn.guest.guest import Guest, GuestWork
from acrn.host.machine import Machine
from acrn.host.observe import HIST_REL_ERROR, MAX_VIOLATIONS, Observer
from acrn.engine.result import FAIL, NOT_EXERCISED, PASS, LatencyStats, RunResult, Verdict, Violations
from acrn.errors import AcrnModelError, PluginError


class Run:
    """One run in progress: the scenario, the design, the engine, the hypervisor, the records.

    ``records``: keep every request, kick, guest interrupt, guest NMI, smp_call and fault in ``obs``
    (None: only when a plugin invariant is loaded).  ``max_violations``: the violations of each invariant
    kept with their details (default ``MAX_VIOLATIONS``; all of them when there is a tracer)."""

    def __init__(self, scenario, design, seed=None, chooser=None, tracer=None, registry=None, step_hook=None,
                 horizon_us=None, records=None, max_violations=None):
        from acrn.plugin import default_registry
        from acrn.plugins.invariants import BUILTIN_INVARIANTS

        self.registry = registry or default_registry()
        self.scenario = scenario
        if isinstance(design, str):
            if design not in self.registry.designs:
                raise AcrnModelError("unknown design %r (known: %s)" % (design, ", ".join(self.registry.designs)))
            design = self.registry.designs[design]
        self.design = design
        self.seed = scenario.seed if seed is None else seed
        self.cost = CostModel(scenario.cost, scenario.tsc_mhz)
        self.chooser = chooser or Chooser(self.seed)
        self.sim = sim = Machine(self.cost, self.chooser, scenario.pcpus, tracer)
        self.chooser.attach(sim)
        sim.step_hook = step_hook
        if records is None:  # plugin invariants read the full records after the run
            builtin = set(map(id, BUILTIN_INVARIANTS.values()))
            records = any(id(inv) not in builtin for inv in self.registry.invariants.values())
        if max_violations is None:
            max_violations = None if tracer is not None else MAX_VIOLATIONS
        elif max_violations < 1:
            raise AcrnModelError("max_violations must be at least 1, not %r" % (max_violations,))
        self.max_violations = max_violations
        self.end = self.cost.cycles(scenario.duration_us if horizon_us is None else min(horizon_us, scenario.duration_us))
        bounds = {name: self.cost.cycles(us) for name, us in scenario.bounds.items()}
        self.obs = sim.obs = Observer(sim, scenario.pcpus, bounds, records, max_violations)
        hooks = self.registry.runtime_hooks
        if hooks is not None:  # only the observers some plugin implements are called at all
            self.obs.on_request = hooks.request if hooks.has["acrn_on_request"] else None
            sim.on_vmexit = hooks.vmexit if hooks.has["acrn_on_vmexit"] else None
            sim.on_vmentry = hooks.vmentry if hooks.has["acrn_on_vmentry"] else None
            sim.on_nmi = hooks.nmi if hooks.has["acrn_on_nmi"] else None
            sim.hook_calls = hooks.calls
        self.hv = hv = Hypervisor(design, sim, self.obs, scenario.pcpus, self.registry.schedulers[scenario.scheduler])
        sim.hv = hv
        sim.nmi_handler, sim.irq_handler, sim.cpu_start = handle_nmi, dispatch_interrupt, init_pcpu_post
        hv.dispatch_table = build_dispatch_table(design, self.registry.exit_handlers)
        hv.io_requests = []
        for pcpu_id in range(scenario.pcpus):
            hv.pcpu_active_bitmap |= 1 << pcpu_id
            sim.boot(pcpu_id, start_idle_thread(hv, pcpu_id))
        for spec in scenario.vms:
            vm = create_vm(hv, spec.name, spec.pcpus, lapic_pt=spec.lapic_pt, is_service=spec.service,
                           weights=spec.weights)
            for vcpu in vm.vcpus:
                items = []
                if spec.lapic_pt:
                    items.append(GuestWork("x2apic", at=0, count=1))  # the guest enables x2APIC first
                for w in spec.work:
                    if w.vcpus is not None and vcpu.vcpu_id not in w.vcpus:
                        continue
                    items.append(GuestWork(w.kind, self.cost.cycles(w.lo_us), self.cost.cycles(w.hi_us),
                                           self.cost.cycles(w.at_us) if w.at_us >= 0 else -1, w.args, w.count))
                vcpu.guest = Guest(vcpu, items, self.registry.guest_kinds)
            for n in spec.nmi:
                for vcpu in vm.vcpus:
                    if n.vcpus is None or vcpu.vcpu_id in n.vcpus:
                        self.registry.nmi_sources[n.source].install(self, vcpu, n)
            for vcpu in vm.vcpus:
                vcpu.guest.start(sim)
        sim.call_at(0, self._start_vms)

    def _start_vms(self):
        self.sim.cur_cpu = 0  # the BSP launches the VMs
        for vm in self.hv.vms:
            start_vm(vm)

    def cycles(self, us):
        return self.cost.cycles(us)

    def us(self, cycles):
        return cycles / self.cost.tsc_mhz

    def execute(self):
        try:
            self.sim.run(self.end)
        except PluginError as exc:
            if exc.time is None:
                exc.time = self.sim.now
            raise
        return self.result()

    def result(self):
        self.obs.finish(self.end)
        verdicts = []
        vcpus = {vcpu.name: vcpu for vm in self.hv.vms for vcpu in vm.vcpus}  # a violation names its vCPU
        for name, inv in self.registry.invariants.items():
            try:
                violations = inv.check(self)
                exercised = inv.exercised(self) if hasattr(inv, "exercised") else True
            except PluginError:
                raise
            except Exception as exc:
                owner = self.registry.owner("acrn_register_invariants", name)
                raise PluginError(owner, "acrn_register_invariants",
                                  "invariant %r: %s: %s" % (name, type(exc).__name__, exc), self.sim.now) from None
            count = violations.count if isinstance(violations, Violations) else len(violations)
            violations = sorted(violations, key=lambda v: (v.time, v.pcpu))[:self.max_violations]
            if self.sim.tracer is not None:  # the capture lists them too (INVARIANT_VIOLATION records)
                for v in violations:
                    self.sim.tracer.violation(v.time, v.pcpu, vcpus.get(v.vcpu), name, v.message)
            if count:
                verdicts.append(Verdict(name, FAIL, count, violations[0], violations))
            else:
                verdicts.append(Verdict(name, PASS if exercised else NOT_EXERCISED))
        obs = self.obs
        counts = {
            "steps": self.sim.steps,
            "vm_exits": self.sim.exits,
            "exits_by_reason": {str(k): v for k, v in sorted(obs.exits.items())},
            "kicks": {D.NOTIFY_MODES[m]: n for m, n in sorted(obs.kicks_by_mode.items())},
            "requests": obs.n_requests - obs.dropped_requests,
            "requests_dropped_by_scheduling": obs.dropped_requests,
            "guest_interrupts": obs.n_guest_interrupts,
            "faults": obs.n_faults,
            "guest_nmis_raised": obs.n_nmi_raised,
            "guest_nmis_received": obs.n_guest_nmis_received,
            "guest_nmis_filtered": {C.SOURCES[k]: v for k, v in sorted(obs.filtered.items()) if k in C.SOURCES},
        }
        tsc = self.cost.tsc_mhz
        return RunResult(scenario=self.scenario.name, design=self.design.name, seed=self.seed,
                         compiled=acrn.compiled(), tsc_mhz=tsc, duration_cycles=self.end, verdicts=verdicts,
                         request_latency=LatencyStats.of_histogram(obs.request_latency, tsc, HIST_REL_ERROR),
                         kick_latency=LatencyStats.of_histogram(obs.kick_latency, tsc, HIST_REL_ERROR),
                         counts=counts, choices=self.chooser.log, logs=list(obs.logs), n_logs=obs.n_logs)


def run_scenario(scenario, design, seed=None, **kw):
    """Load (if given a name or path), run and judge one scenario under one design."""
    from acrn.scenarios import load_scenario

    if isinstance(scenario, str):
        scenario = load_scenario(scenario, kw.get("registry"))
    return Run(scenario, design, seed=seed, **kw).execute()
