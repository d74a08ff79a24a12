"""What a run records for its verdicts: requests, kicks, guest interrupts, S5, smp_call, faults.

The core calls these methods where ACRN would log or trace; they never change the model.  Run-time
plugin observers (``acrn_on_request``...) are called from here only when a plugin implements them.
Requests and kicks, a few per VM exit, are rows of typed columns (``array.array``: no Python object per
request or kick); reading them gives one ``RequestSample`` or tuple at a time.
"""
import array

import numpy as np

from acrn.arch_x86.consts import (
    ACRN_VECTORS, SRC_GUEST_OWNED)
from acrn.core.defs import (
    REQUESTS, THREAD_STS_RUNNING, VCPU_RUNNING)


class RequestSample:
    """One request, as the invariants read it (made by ``RequestTable`` when read)."""
    __slots__ = ("vcpu", "bit", "made", "handled", "pcpu", "remote")

    def __init__(self, vcpu, bit, made, pcpu, remote, handled=-1):
        self.vcpu, self.bit, self.made, self.handled, self.pcpu = vcpu, bit, made, handled, pcpu
        self.remote = remote  # made on another pCPU: the request needs a notification


class RequestTable:
    """The requests of a run in order made, one row each: vCPU (an index into ``names``), request bit,
    made and handled times (-1: not handled), pCPU, remote, and whether scheduling dropped it (then it
    is neither counted nor read)."""

    def __init__(self):
        self.names = []  # vCPU names, by index
        self._name_index = {}
        self.vcpu = array.array("i")
        self.bit = array.array("i")
        self.made = array.array("q")
        self.handled = array.array("q")
        self.pcpu = array.array("i")
        self.remote = array.array("b")
        self.dropped = array.array("b")
        self.n_dropped = 0

    def add(self, vcpu_name, bit, made, pcpu, remote):
        """Append a row; returns its index."""
        index = self._name_index.get(vcpu_name)
        if index is None:
            index = self._name_index[vcpu_name] = len(self.names)
            self.names.append(vcpu_name)
        self.vcpu.append(index)
        self.bit.append(bit)
        self.made.append(made)
        self.handled.append(-1)
        self.pcpu.append(pcpu)
        self.remote.append(1 if remote else 0)
        self.dropped.append(0)
        return len(self.made) - 1

    def drop(self, row):
        self.dropped[row] = 1
        self.n_dropped += 1

    def remote_latencies(self):
        """handled - made of every handled remote request, in cycles (an int64 array)."""
        made, handled = np.frombuffer(self.made, np.int64), np.frombuffer(self.handled, np.int64)
        keep = (handled >= 0) & (np.frombuffer(self.remote, np.int8) != 0) & (np.frombuffer(self.dropped, np.int8) == 0)
        return handled[keep] - made[keep]

    def sample(self, row):
        return RequestSample(self.names[self.vcpu[row]], self.bit[row], self.made[row], self.pcpu[row],
                             bool(self.remote[row]), self.handled[row])

    def __len__(self):
        return len(self.made) - self.n_dropped

    def __bool__(self):
        return len(self) > 0

    def __iter__(self):
        for row in range(len(self.made)):
            if not self.dropped[row]:
                yield self.sample(row)


class KickTable:
    """The kicks of a run in order sent, one row each; reading gives (time, src, dst, mode, exit time),
    the exit time -1 while no VM exit followed."""

    def __init__(self):
        self.time = array.array("q")
        self.src = array.array("i")
        self.dst = array.array("i")
        self.mode = array.array("i")
        self.exit = array.array("q")

    def add(self, time, src, dst, mode):
        """Append a row; returns its index."""
        self.time.append(time)
        self.src.append(src)
        self.dst.append(dst)
        self.mode.append(mode)
        self.exit.append(-1)
        return len(self.time) - 1

    def latencies(self):
        """exit time - time of every kick a VM exit followed, in cycles (an int64 array)."""
        time, exit_ = np.frombuffer(self.time, np.int64), np.frombuffer(self.exit, np.int64)
        return exit_[exit_ >= 0] - time[exit_ >= 0]

    def count_by_mode(self):
        """{notify mode: kicks sent}."""
        modes, counts = np.unique(np.frombuffer(self.mode, np.int32), return_counts=True)
        return {int(m): int(c) for m, c in zip(modes, counts)}

    def __len__(self):
        return len(self.time)

    def __getitem__(self, row):
        return self.time[row], self.src[row], self.dst[row], self.mode[row], self.exit[row]

    def __iter__(self):
        for row in range(len(self.time)):
            yield self[row]


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
        self.requests = RequestTable()  # finished or open requests, in order made
        self._open = {}  # (vcpu name, bit) -> row of an open request
        self.dropped_requests = 0
        self.kicks = KickTable()
        self._kick_open = {}  # dst pcpu -> rows of the kicks waiting for an exit
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
        self._open[key] = self.requests.add(vcpu.name, bit, now, vcpu.pcpu_id, self.sim.cur_cpu != vcpu.pcpu_id)
        self.sim.trace_request(vcpu, bit, True)

    def request_handled(self, vcpu, bit):
        now = self.sim.now
        if self.on_request is not None:
            self.on_request(vcpu, bit, "handled", now)
        row = self._open.pop((vcpu.name, bit), None)
        if row is not None:
            self.requests.handled[row] = now
            self.sim.trace_request(vcpu, bit, False)

    def sched_next(self, pcpu_id, prev, nxt):
        """A thread is switched out: its vCPU's open requests lose their bound (scheduling delay)."""
        if prev is not None and prev is not nxt and prev.data is not None:
            name = prev.data.name
            for key in [k for k in self._open if k[0] == name]:
                self.requests.drop(self._open.pop(key))
                self.dropped_requests += 1
        self.sim.trace_sched(pcpu_id, prev, nxt)

    # -- kicks and exits ---------------------------------------------------------------------------
    def kick_sent(self, src, dst, mode):
        self._kick_open.setdefault(dst, []).append(self.kicks.add(self.sim.now, src, dst, mode))
        self.sim.trace_kick(src, dst, mode)

    def vmexit(self, pcpu_id, reason):
        self.exits[reason] = self.exits.get(reason, 0) + 1
        waiting = self._kick_open.get(pcpu_id)
        if waiting:
            for row in waiting:
                self.kicks.exit[row] = self.sim.now
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
        return [self.requests.sample(row) for row in self._open.values()]


def describe_request(bit):
    return REQUESTS.get(bit, str(bit))


def describe_vector(vector, is_nmi):
    if is_nmi:
        return "NMI"
    return "vector 0x%02x%s" % (vector, " (%s)" % ACRN_VECTORS[vector] if vector in ACRN_VECTORS else "")
