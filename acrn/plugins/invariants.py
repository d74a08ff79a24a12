"""The built-in invariants (DESIGN.md section 4).  Each reads the run's records at the end and
returns its violations; none of them changes the model."""
from acrn.arch_x86 import consts as C
from acrn.core import defs as D
from acrn.host.observe import describe_request, describe_vector
from acrn.engine.result import Violation
from acrn.hookspecs import hookimpl


class RequestLatency:
    name = "request-latency"
    description = "a request made for a running vCPU is handled within bounds.request_latency_us"

    def exercised(self, run):
        return bool(run.obs.requests)

    def check(self, run):
        bound = run.cycles(run.scenario.bounds["request_latency_us"])
        out = []
        for s in run.obs.requests:
            end = s.handled if s.handled >= 0 else run.end
            if end - s.made > bound:
                state = ("handled after %.1f us" % run.us(s.handled - s.made)) if s.handled >= 0 else \
                    "still pending at the end of the run"
                out.append(Violation(s.made + bound, s.pcpu, "%s request for %s made at %.1f us: %s (bound %.1f us)" % (
                    describe_request(s.bit), s.vcpu, run.us(s.made), state, run.scenario.bounds["request_latency_us"]),
                    vcpu=s.vcpu))
        return out


class NoSpuriousGuestInterrupt:
    name = "no-spurious-guest-interrupt"
    description = "a lapic-pt guest receives only vectors and NMIs its own devices or software raised"

    def exercised(self, run):
        return any(vm.lapic_pt for vm in run.hv.vms)

    def check(self, run):
        out = []
        for rec in run.obs.guest_interrupts:
            vcpu, vector, sources, lapic_pt = rec.data
            if lapic_pt and (sources & C.SRC_HYPERVISOR or sources == 0):
                out.append(Violation(rec.time, rec.pcpu, "%s received %s raised by %s" % (
                    vcpu, describe_vector(vector, rec.kind == "guest-nmi"),
                    C.source_names(sources) if sources else "nobody the guest owns"), vcpu=vcpu))
        return out


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
        return bool(run.obs.smp_calls)

    def check(self, run):
        bound = run.cycles(run.scenario.bounds["smp_call_us"])
        out = []
        for start, caller, mask, done in run.obs.smp_calls:
            for pcpu in range(len(run.hv.per_cpu)):
                if not (mask >> pcpu) & 1:
                    continue
                finished = done.get(pcpu, -1)
                if finished < 0 and run.end - start > bound:
                    out.append(Violation(start + bound, pcpu, "smp_call from pCPU%d at %.1f us: pCPU%d never ran it; "
                                         "the caller is still waiting for it" % (caller, run.us(start), pcpu)))
                elif finished >= 0 and finished - start > bound:
                    out.append(Violation(start + bound, pcpu, "smp_call from pCPU%d: pCPU%d ran it after %.1f us" % (
                        caller, pcpu, run.us(finished - start))))
        return out


class NoLostGuestNmi:
    name = "no-lost-guest-nmi"
    description = ("every NMI a guest's own source raises reaches the guest (within bounds.guest_nmi_us, 1 ms by "
                   "default: a late NMI shows as request latency); NMIs raised close together may coalesce; none "
                   "reaches the guest twice")

    def exercised(self, run):
        return bool(run.obs.nmi_raised)

    def check(self, run):
        out = []
        drops = run.obs.nmi_dropped
        if drops:
            where = {}
            for d in drops:
                where[d.data[1]] = where.get(d.data[1], 0) + 1
            first = drops[0]
            out.append(Violation(first.time, first.pcpu, "%d NMI(s) carrying a guest's NMI consumed by the hypervisor "
                                 "(%s); first: a %s NMI on pCPU%d at %.1f us" % (
                                     len(drops), ", ".join("%d %s" % (n, w) for w, n in sorted(where.items())),
                                     C.source_names(first.data[0]), first.pcpu, run.us(first.time))))
        return out + self._unreached(run)

    def _unreached(self, run):
        bound = run.cycles(run.scenario.bounds["guest_nmi_us"])
        received = {}
        for rec in run.obs.guest_interrupts:
            if rec.kind == "guest-nmi" and rec.data[2] & C.SRC_GUEST_OWNED:
                received.setdefault(rec.data[0], []).append(rec)
        raised = {}
        for rec in run.obs.nmi_raised:
            raised.setdefault(rec.data[0], []).append(rec)
        out = []
        lost = 0
        first_lost = None
        for vcpu, events in raised.items():
            times = [r.time for r in received.get(vcpu, [])]
            for ev in events:
                if run.end - ev.time <= bound:
                    continue  # too close to the end to judge
                if not any(ev.time <= t <= ev.time + bound for t in times):
                    lost += 1
                    if first_lost is None or ev.time < first_lost[0].time:
                        first_lost = (ev, vcpu)
        if first_lost is not None:
            ev, vcpu = first_lost
            filtered = ", ".join("%s %d" % (C.SOURCES[k], v) for k, v in sorted(run.obs.filtered.items()) if k in C.SOURCES)
            out.append(Violation(ev.time + bound, ev.pcpu, "%d guest NMI(s) lost of %d raised; first: %s NMI for %s "
                                 "raised at %.1f us did not reach it within %.0f us%s" % (
                                     lost, len(run.obs.nmi_raised), C.source_names(ev.data[1]), vcpu,
                                     run.us(ev.time), run.scenario.bounds["guest_nmi_us"],
                                     "; filtered: " + filtered if filtered else ""), vcpu=vcpu))
        for vcpu, recs in received.items():
            marks = sorted([(r.time, 0) for r in raised.get(vcpu, [])] + [(r.time, 1) for r in recs])
            pending = 0
            for t, is_receipt in marks:
                if not is_receipt:
                    pending += 1
                elif pending == 0:
                    pcpu = next(r.pcpu for r in recs if r.time == t)
                    out.append(Violation(t, pcpu, "%s received a guest NMI with none raised since the last one "
                                         "(delivered twice)" % vcpu, vcpu=vcpu))
                else:
                    pending = 0
        return out


class NoHypervisorFault:
    name = "no-hypervisor-fault"
    description = "no unhandled exit, no failed VM entry, no VMCS access without a current VMCS, no assertion"

    def exercised(self, run):
        return True

    def check(self, run):
        return [Violation(r.time, r.pcpu, r.data) for r in run.obs.faults]


BUILTIN_INVARIANTS = {cls.name: cls() for cls in (RequestLatency, NoSpuriousGuestInterrupt, NoLostGuestNmi,
                                                   ShutdownCompletes, SmpCallCompletes, NoHypervisorFault)}


@hookimpl
def acrn_register_invariants():
    return dict(BUILTIN_INVARIANTS)


__all__ = ["BUILTIN_INVARIANTS", "D"]
