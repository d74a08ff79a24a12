"""The built-in invariants (DESIGN.md section 4), judged online in bounded memory.

The observer (``acrn.host.observe.Observer``) applies each rule below as the events happen and keeps, per
invariant, the count of violations and the first ``max_violations`` of them with their details (the
smallest by time, pCPU and order of discovery, which is what sorting all of them would give first); what is
still open at the end of the run (a pending request, an smp_call not done, a guest NMI not received) is
judged by ``Observer.finish``.  ``check`` turns those details into ``Violation`` messages and returns them
as ``Violations``, a list that also carries the total ``count``.  None of them changes the model."""
from acrn.arch_x86 import consts as C
from acrn.core import defs as D
from acrn.host.observe import describe_request, describe_vector
from acrn.engine.result import Violation, Violations
from acrn.hookspecs import hookimpl


class RequestLatency:
    name = "request-latency"
    description = "a request made for a running vCPU is handled within bounds.request_latency_us"

    def exercised(self, run):
        return run.obs.n_requests > run.obs.dropped_requests

    def check(self, run):
        bound_us = run.scenario.bounds["request_latency_us"]
        late = run.obs.late_requests  # judged when handled (or at the end of the run): handled - made > bound
        return Violations(late.count, [Violation(time, pcpu, "%s request for %s made at %.1f us: %s (bound %.1f us)" % (
            describe_request(bit), vcpu, run.us(made),
            ("handled after %.1f us" % run.us(handled - made)) if handled >= 0 else "still pending at the end of the run",
            bound_us), vcpu=vcpu) for (time, pcpu, _), (vcpu, bit, made, handled) in late.entries()])


class NoSpuriousGuestInterrupt:
    name = "no-spurious-guest-interrupt"
    description = "a lapic-pt guest receives only vectors and NMIs its own devices or software raised"

    def exercised(self, run):
        return any(vm.lapic_pt for vm in run.hv.vms)

    def check(self, run):
        spurious = run.obs.spurious  # a lapic-pt guest got an interrupt raised by the hypervisor, or by nobody
        return Violations(spurious.count, [Violation(time, pcpu, "%s received %s raised by %s" % (
            vcpu, describe_vector(vector, is_nmi), C.source_names(sources) if sources else "nobody the guest owns"),
            vcpu=vcpu) for (time, pcpu, _), (vcpu, vector, sources, is_nmi) in spurious.entries()])


class ShutdownCompletes:
    name = "shutdown-completes"
    description = "S5 of a VM pauses its vCPUs and gives back its pCPUs within bounds.shutdown_us"

    def exercised(self, run):
        return bool(run.obs.s5)

    def check(self, run):
        bound = run.cycles(run.scenario.bounds["shutdown_us"])
        out = []
        for vm, (start, end, ret) in sorted(run.obs.s5.items()):
            pcpu = run.hv.vms[[v.name for v in run.hv.vms].index(vm)].vcpus[0].pcpu_id
            if end < 0:
                out.append(Violation(start + bound, pcpu, "S5 of %s started at %.1f us has not completed at the end "
                                     "of the run" % (vm, run.us(start))))
            elif end - start > bound:
                out.append(Violation(start + bound, pcpu, "S5 of %s took %.1f us (bound %.1f us)" % (
                    vm, run.us(end - start), run.scenario.bounds["shutdown_us"])))
            elif ret != 0:
                out.append(Violation(end, pcpu, "shutdown_vm(%s) returned %d" % (vm, ret)))
        return out


class SmpCallCompletes:
    name = "smp-call-completes"
    description = "smp_call_function runs on every target pCPU within bounds.smp_call_us"

    def exercised(self, run):
        return run.obs.n_smp_calls > 0

    def check(self, run):
        late = run.obs.smp_late  # judged when the call is done everywhere, or at the end of the run
        out = []
        for (time, pcpu, _), (caller, start, target, finished) in late.entries():
            if finished < 0:
                message = "smp_call from pCPU%d at %.1f us: pCPU%d never ran it; the caller is still waiting for it" % (
                    caller, run.us(start), target)
            else:
                message = "smp_call from pCPU%d: pCPU%d ran it after %.1f us" % (caller, target, run.us(finished - start))
            out.append(Violation(time, pcpu, message))
        return Violations(late.count, out)


class NoLostGuestNmi:
    name = "no-lost-guest-nmi"
    description = ("every NMI a guest's own source raises reaches the guest (within bounds.guest_nmi_us, 1 ms by "
                   "default: a late NMI shows as request latency); NMIs raised close together may coalesce; none "
                   "reaches the guest twice")

    def exercised(self, run):
        return run.obs.n_nmi_raised > 0

    def check(self, run):
        """One violation for the guest NMIs the hypervisor consumed, one for those that did not reach their
        vCPU within the bound (raised long enough before the end to judge), one per guest NMI received with
        none raised since the vCPU's last one (raises before receipts at the same instant)."""
        obs = run.obs
        out = []
        if obs.n_nmi_dropped:
            time, pcpu, sources = obs.first_drop
            out.append(Violation(time, pcpu, "%d NMI(s) carrying a guest's NMI consumed by the hypervisor "
                                 "(%s); first: a %s NMI on pCPU%d at %.1f us" % (
                                     obs.n_nmi_dropped, ", ".join("%d %s" % (n, w) for w, n in
                                                                  sorted(obs.nmi_dropped_where.items())),
                                     C.source_names(sources), pcpu, run.us(time))))
        if obs.n_nmi_lost:
            time, pcpu, source, vcpu = obs.first_lost[1]
            filtered = ", ".join("%s %d" % (C.SOURCES[k], v) for k, v in sorted(obs.filtered.items()) if k in C.SOURCES)
            out.append(Violation(time + obs.guest_nmi_bound, pcpu, "%d guest NMI(s) lost of %d raised; first: %s NMI "
                                 "for %s raised at %.1f us did not reach it within %.0f us%s" % (
                                     obs.n_nmi_lost, obs.n_nmi_raised, C.source_names(source), vcpu, run.us(time),
                                     run.scenario.bounds["guest_nmi_us"],
                                     "; filtered: " + filtered if filtered else ""), vcpu=vcpu))
        doubles = obs.nmi_doubles
        out += [Violation(time, pcpu, "%s received a guest NMI with none raised since the last one (delivered twice)"
                          % vcpu, vcpu=vcpu) for (time, pcpu, _, _), vcpu in doubles.entries()]
        return Violations(len(out) - len(doubles.items) + doubles.count, out)


class NoHypervisorFault:
    name = "no-hypervisor-fault"
    description = "no unhandled exit, no failed VM entry, no VMCS access without a current VMCS, no assertion"

    def exercised(self, run):
        return True

    def check(self, run):
        faults = run.obs.faults_kept
        return Violations(faults.count, [Violation(time, pcpu, message) for (time, pcpu, _), message in faults.entries()])


BUILTIN_INVARIANTS = {cls.name: cls() for cls in (RequestLatency, NoSpuriousGuestInterrupt, NoLostGuestNmi,
                                                   ShutdownCompletes, SmpCallCompletes, NoHypervisorFault)}


@hookimpl
def acrn_register_invariants():
    return dict(BUILTIN_INVARIANTS)


__all__ = ["BUILTIN_INVARIANTS", "D"]
