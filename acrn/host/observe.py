"""What a run records for its verdicts: requests, kicks, guest interrupts, S5, smp_call, faults.

The core calls these methods where ACRN would log or trace; they never change the model.  Run-time
plugin observers (``acrn_on_request``...) are called from here only when a plugin implements them.
"""
from acrn.arch_x86.consts import (
    ACRN_VECTORS, SRC_GUEST_OWNED)
from acrn.core.defs import (
    REQUESTS, THREAD_STS_RUNNING, VCPU_RUNNING)


class RequestSample:
    __slots__ = ("vcpu", "bit", "made", "handled", "pcpu", "remote")

    def __init__(self, vcpu, bit, made, pcpu, remote):
        self.vcpu, self.bit, self.made, self.handled, self.pcpu = vcpu, bit, made, -1, pcpu
        self.remote = remote  # made on another pCPU: the request needs a notification


class Record:
    """A timed fact for the invariants: ``kind`` plus free-form fields."""
    __slots__ = ("time", "pcpu", "kind", "data")

    def __init__(self, time, pcpu, kind, data):
        self.time, self.pcpu, self.kind, self.data = time, pcpu, kind, data

    def __repr__(self):
        return "Record(%d, pCPU%d, %s, %r)" % (self.time, self.pcpu, self.kind, self.data)


class Observer:
    def __init__(self, sim):
        self.sim = sim
        self.requests = []  # finished or open RequestSample, in order made
        self._open = {}  # (vcpu name, bit) -> RequestSample
        self.dropped_requests = 0
        self.kicks = []  # [time, src, dst, mode, exit_time]
        self._kick_open = {}  # dst pcpu -> list of kick records waiting for an exit
        self.guest_interrupts = []  # Record(kind="guest-intr"/"guest-nmi", data=(vcpu name, vector, sources, lapic_pt))
        self.s5 = {}  # vm name -> [start, end, ret]
        self.smp_calls = []  # [start, caller, mask, {pcpu: done time}]
        self.faults = []  # Record(kind="fault", data=message)
        self.logs = []
        self.exits = {}  # basic reason -> count
        self.offline = []
        self.nmi_raised = []  # Record(kind="guest-nmi-raised", data=(vcpu name, source tag))
        self.filtered = {}  # source tag -> NMIs a filter removed
        self.nmi_dropped = []  # Record(kind="guest-nmi-dropped", data=(source tags, where))
        self.on_request = None  # the acrn_on_request observer, when some plugin implements it

    # -- requests --------------------------------------------------------------------------------
    def request_made(self, vcpu, bit):
        now = self.sim.now
        if self.on_request is not None:
            self.on_request(vcpu, bit, "made", now)
        key = (vcpu.name, bit)
        if key in self._open:
            return  # merged into the request already pending
        if vcpu.state != VCPU_RUNNING or vcpu.thread_obj.status != THREAD_STS_RUNNING:
            return  # only requests for a running vCPU have a latency bound
        sample = RequestSample(vcpu.name, bit, now, vcpu.pcpu_id, self.sim.cur_cpu != vcpu.pcpu_id)
        self._open[key] = sample
        self.requests.append(sample)
        self.sim.trace_request(vcpu, bit, True)

    def request_handled(self, vcpu, bit):
        now = self.sim.now
        if self.on_request is not None:
            self.on_request(vcpu, bit, "handled", now)
        sample = self._open.pop((vcpu.name, bit), None)
        if sample is not None:
            sample.handled = now
            self.sim.trace_request(vcpu, bit, False)

    def sched_next(self, pcpu_id, prev, nxt):
        """A thread is switched out: its vCPU's open requests lose their bound (scheduling delay)."""
        if prev is not None and prev is not nxt and prev.data is not None:
            name = prev.data.name
            for key in [k for k in self._open if k[0] == name]:
                sample = self._open.pop(key)
                self.requests.remove(sample)
                self.dropped_requests += 1
        self.sim.trace_sched(pcpu_id, prev, nxt)

    # -- kicks and exits ---------------------------------------------------------------------------
    def kick_sent(self, src, dst, mode):
        rec = [self.sim.now, src, dst, mode, -1]
        self.kicks.append(rec)
        self._kick_open.setdefault(dst, []).append(rec)
        self.sim.trace_kick(src, dst, mode)

    def vmexit(self, pcpu_id, reason):
        self.exits[reason] = self.exits.get(reason, 0) + 1
        waiting = self._kick_open.get(pcpu_id)
        if waiting:
            for rec in waiting:
                rec[4] = self.sim.now
            waiting.clear()

    def kick_absorbed(self, pcpu_id):
        """The target was in root when the kick arrived: no exit will follow for it."""
        waiting = self._kick_open.get(pcpu_id)
        if waiting:
            waiting.clear()

    # -- guest-visible events ------------------------------------------------------------------------
    def guest_interrupt(self, vcpu, vector, sources, is_nmi):
        now = self.sim.now
        kind = "guest-nmi" if is_nmi else "guest-intr"
        self.guest_interrupts.append(Record(now, vcpu.pcpu_id, kind, (vcpu.name, vector, sources, vcpu.vm.lapic_pt)))
        self.sim.trace_guest_interrupt(vcpu, vector, sources, is_nmi)

    def guest_nmi_raised(self, vcpu, source):
        """A guest-owned source raised an NMI meant for ``vcpu``."""
        self.nmi_raised.append(Record(self.sim.now, vcpu.pcpu_id, "guest-nmi-raised", (vcpu.name, source)))
        self.sim.trace_guest_nmi(vcpu.pcpu_id, vcpu, source, "raised", 0)

    def nmi_consumed(self, pcpu_id, sources, where):
        """The hypervisor consumed an NMI without passing it on (taken as a kick, ignored in root).  When it
        carried a guest source's NMI (model tags), that guest NMI is lost."""
        guest = sources & SRC_GUEST_OWNED
        if guest:
            self.nmi_dropped.append(Record(self.sim.now, pcpu_id, "guest-nmi-dropped", (guest, where)))
            self.sim.trace_guest_nmi(pcpu_id, None, guest, "dropped", 1 if where == "as a kick" else 0)

    def nmi_filtered(self, source):
        """A filter removed (or refused to set up) a guest NMI source."""
        self.filtered[source] = self.filtered.get(source, 0) + 1
        self.sim.trace_guest_nmi(self.sim.cur_cpu, None, source, "filtered", 0)

    # -- S5 and smp_call ----------------------------------------------------------------------------
    def s5_started(self, vm):
        self.s5.setdefault(vm.name, [self.sim.now, -1, None])

    def vm_shutdown_done(self, vm, ret):
        entry = self.s5.setdefault(vm.name, [self.sim.now, -1, None])
        entry[1] = self.sim.now
        entry[2] = ret

    def smp_call_start(self, caller, mask):
        self.smp_calls.append([self.sim.now, caller, mask, {}])

    def smp_call_done(self, pcpu_id):
        for call in reversed(self.smp_calls):
            if (call[2] >> pcpu_id) & 1 and pcpu_id not in call[3]:
                call[3][pcpu_id] = self.sim.now
                return

    def pcpu_offline(self, pcpu_id):
        self.offline.append((self.sim.now, pcpu_id, "offline"))

    def pcpu_online(self, pcpu_id):
        self.offline.append((self.sim.now, pcpu_id, "online"))

    # -- faults and logs ----------------------------------------------------------------------------
    def fault(self, pcpu_id, message):
        self.faults.append(Record(self.sim.now, pcpu_id, "fault", message))

    def log(self, vcpu, message):
        if len(self.logs) < 1000:
            self.logs.append((self.sim.now, vcpu.name if vcpu is not None else "hv", message))

    def nmi_window_armed(self, pcpu_id):
        self.sim.trace_nmi_window(pcpu_id)

    def open_requests(self):
        return list(self._open.values())


def describe_request(bit):
    return REQUESTS.get(bit, str(bit))


def describe_vector(vector, is_nmi):
    if is_nmi:
        return "NMI"
    return "vector 0x%02x%s" % (vector, " (%s)" % ACRN_VECTORS[vector] if vector in ACRN_VECTORS else "")
