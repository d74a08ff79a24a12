"""What a run records for its verdicts, judged online in bounded memory.

The core calls these methods where ACRN would log or trace; they never change the model.  Run-time
plugin observers (``acrn_on_request``...) are called from here only when a plugin implements them.

Nothing here grows with simulated time unless the run asks for full records (``records=True``, which
``acrn.host.run.Run`` sets when a plugin invariant is loaded or when its caller asks):

- the built-in invariants (``acrn.plugins.invariants``) are judged as the events happen: the observer
  keeps counters, the open requests / kicks / smp_calls / guest NMIs still waiting for their end, and the
  first ``max_violations`` candidates of each invariant with their details (``FirstN``: the smallest by
  time, pCPU and order, as a sort of every violation would give them) plus the total count;
- latencies go into ``LatencyHistogram`` (exact up to ``EXACT_SAMPLES`` samples, then log-linear buckets);
- log lines and pCPU offline/online events: the first ``MAX_LOG_LINES``, and a count.

With ``records=True`` the observer also keeps every request and kick as rows of typed columns
(``RequestTable``, ``KickTable``: ``array.array``, no Python object per row) and every guest interrupt,
raised / dropped guest NMI, smp_call and fault as a list, as plugin invariants read them after the run.
"""
import array
import bisect
import itertools
from collections import deque

import cython

from acrn.arch_x86.consts import (
    ACRN_VECTORS, SRC_GUEST_OWNED, SRC_HYPERVISOR)
from acrn.core.defs import (
    REQUESTS, THREAD_STS_RUNNING, VCPU_RUNNING)

#: Violations of each built-in invariant kept with their details (the first ones in time order); the
#: verdict's count is exact whatever this is.  ``Run(max_violations=N)`` changes it; a run with a tracer
#: keeps them all (the capture lists every violation).
MAX_VIOLATIONS = 100
#: Log lines (``RunResult.logs``) and pCPU offline/online events kept; the rest are only counted.
MAX_LOG_LINES = 1000
#: Latency samples kept exactly (8 bytes each): up to this many, p50/p99/max are exact.
EXACT_SAMPLES = 4096
#: Significant bits of a latency bucket: values below 2**HIST_BITS have a bucket each; above, every power
#: of two is split into 2**(HIST_BITS-1) equal buckets, so a bucket is at most 1/128 of its lower bound
#: wide and its midpoint is within HIST_REL_ERROR (1/256 = 0.39 %) of any value in it.
HIST_BITS = cython.declare(cython.int, 8)
HIST_HALF = cython.declare(cython.longlong, 1 << 7)  # 1 << (HIST_BITS - 1)
HIST_EXACT = cython.declare(cython.longlong, 1 << 8)  # 1 << HIST_BITS: below it, one bucket per value
HIST_BUCKETS = (63 - 8) * (1 << 7) + (1 << 8)  # every value of 0..2**63-1
HIST_REL_ERROR = 1.0 / (1 << 8)
#: VM exits are counted by basic reason in an array of this many slots (SDM appendix C: reasons < 80)
EXIT_REASON_SLOTS = cython.declare(cython.int, 128)


def bucket_of(value):
    """The log-linear bucket of a latency ``value`` >= 0 (cycles): the value itself below HIST_EXACT,
    else e * HIST_HALF + (value >> e), e the shift that leaves HIST_BITS significant bits."""
    if value < HIST_EXACT:
        return value
    e = 0
    while (value >> e) >= HIST_EXACT:
        e += 1
    return e * HIST_HALF + (value >> e)


def bucket_bounds(index):
    """(lowest value, width) of bucket ``index`` (the inverse of ``bucket_of``)."""
    if index < HIST_EXACT:
        return index, 1
    e = index // HIST_HALF - 1
    return (index - e * HIST_HALF) << e, 1 << e


class LatencyHistogram:
    """Latencies in cycles: count, min and max exact; the samples themselves while there are at most
    ``EXACT_SAMPLES`` (percentiles exact), then bucket counts (``bucket_of``: a percentile is its bucket's
    midpoint, within ``HIST_REL_ERROR``, clamped to [min, max]).  Memory: at most 64 KiB, whatever the
    number of samples."""

    def __init__(self):
        self.n = 0
        self.min = -1
        self.max = -1
        self.exact = array.array("q")  # every sample, until there are more than EXACT_SAMPLES
        self.counts = None  # the bucket counts (an array of int64) after that
        self._counts = None

    def add(self, value):
        self.n += 1
        if self.n == 1 or value < self.min:
            self.min = value
        if value > self.max:
            self.max = value
        if self.counts is None:
            if cython.compiled:
                carray.resize_smart(self.exact, self.n)  # (amortized growth, as append)
                self.exact.data.as_longlongs[self.n - 1] = value
            else:
                self.exact.append(value)
            if self.n > EXACT_SAMPLES:
                self._to_buckets()
        else:
            self._counts[bucket_of(value)] += 1

    def _to_buckets(self):
        self.counts = array.array("q", bytes(8 * HIST_BUCKETS))
        self._counts = self.counts
        for value in self.exact:
            self._counts[bucket_of(value)] += 1
        self.exact = None

    def is_exact(self):
        return self.counts is None

    def percentile(self, q):
        """Nearest-rank percentile (q in [0, 100]) in cycles, or None with no sample: exact while the
        samples are kept, else within HIST_REL_ERROR (q = 100 is the exact max)."""
        if self.n == 0:
            return None
        rank = max(1, -(-self.n * q // 100))
        if self.counts is None:
            return sorted(self.exact)[int(rank) - 1]
        if rank >= self.n:
            return self.max
        index = bisect.bisect_left(list(itertools.accumulate(self.counts)), rank)  # the first cumulative count >= rank
        low, width = bucket_bounds(index)
        return min(max(low + width // 2, self.min), self.max)


class FirstN:
    """The ``limit`` entries with the smallest keys (all of them when ``limit`` is None) among those
    ``add`` was given, in key order, and ``count``, how many it was given."""

    def __init__(self, limit):
        self.limit = limit
        self.count = 0
        self.keys = []
        self.items = []

    def add(self, key, item):
        self.count += 1
        keys = self.keys
        if self.limit is not None and len(keys) >= self.limit:
            if not key < keys[len(keys) - 1]:
                return
            keys.pop()
            self.items.pop()
        at = bisect.bisect_right(keys, key)
        keys.insert(at, key)
        self.items.insert(at, item)

    def entries(self):
        """(key, item) pairs in key order."""
        return list(zip(self.keys, self.items))


class RequestSample:
    """One request, as the invariants read it (made by ``RequestTable`` when read)."""
    __slots__ = ("vcpu", "bit", "made", "handled", "pcpu", "remote")

    def __init__(self, vcpu, bit, made, pcpu, remote, handled=-1):
        self.vcpu, self.bit, self.made, self.handled, self.pcpu = vcpu, bit, made, handled, pcpu
        self.remote = remote  # made on another pCPU: the request needs a notification


class RequestTable:
    """The requests of a run in order made (kept only with ``records=True``), one row each: vCPU (an index
    into ``names``), request bit, made and handled times (-1: not handled), pCPU, remote, and whether
    scheduling dropped it (then it is neither counted nor read)."""

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
        import numpy as np  # only with records=True (numpy's import and its BLAS threads cost a plain run)

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
    """The kicks of a run in order sent (kept only with ``records=True``), one row each; reading gives
    (time, src, dst, mode, exit time), the exit time -1 while no VM exit followed."""

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
        import numpy as np

        time, exit_ = np.frombuffer(self.time, np.int64), np.frombuffer(self.exit, np.int64)
        return exit_[exit_ >= 0] - time[exit_ >= 0]

    def count_by_mode(self):
        """{notify mode: kicks sent}."""
        import numpy as np

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


class NmiTrack:
    """One vCPU's guest NMIs, for no-lost-guest-nmi: the raised ones still waiting for a receipt (those
    raised within the bound before now), the last receipt, and the marks of the current instant (raises
    before receipts at equal times, as a sort of every mark would order them)."""
    __slots__ = ("pending", "last_receipt", "raise_order", "receipt_order", "since", "at", "raised_at",
                 "received_at", "receipt_pcpu")

    def __init__(self):
        self.pending = deque()  # (time, pcpu, source tags, order of the raise)
        self.last_receipt = -1
        self.raise_order = -1  # when this vCPU first raised, among the vCPUs (ties of the first lost NMI)
        self.receipt_order = -1  # the same for the first receipt (order of the "delivered twice" ones)
        self.since = 0  # raises since the last receipt, before ``at``
        self.at = -1  # the instant whose marks are being counted
        self.raised_at = 0
        self.received_at = 0
        self.receipt_pcpu = 0  # pCPU of the first receipt at ``at``


class Observer:
    def __init__(self, sim, n_pcpus=0, bounds=None, records=False, max_violations=MAX_VIOLATIONS):
        """``bounds``: {scenario bound name: cycles} (``request_latency_us``, ``smp_call_us``,
        ``guest_nmi_us``); ``records``: also keep every request, kick, guest interrupt...;
        ``max_violations``: the violations of each invariant kept with details (None: all)."""
        bounds = bounds or {}
        far = 1 << 62
        self.sim = sim
        self.n_pcpus = n_pcpus
        self.records = records
        self.request_bound = bounds.get("request_latency_us", far)
        self.smp_call_bound = bounds.get("smp_call_us", far)
        self.guest_nmi_bound = bounds.get("guest_nmi_us", far)
        self.finished = False
        self.on_request = None  # the acrn_on_request observer, when some plugin implements it
        # requests
        self._open = {}  # (vcpu name, bit) -> (made, pcpu, remote, order made, row of the table or -1)
        self.n_requests = 0  # requests with a latency bound (made for a running vCPU), dropped ones too
        self.dropped_requests = 0
        self.request_latency = LatencyHistogram()  # remote requests, made -> handled
        self.late_requests = FirstN(max_violations)  # (made + bound, pcpu, order) -> (vcpu, bit, made, handled)
        # kicks and exits
        self._kick_open = {}  # dst pcpu -> times of the kicks waiting for an exit
        self._kick_rows = {}  # the same, rows of the table (records only)
        self.kick_latency = LatencyHistogram()  # kick sent -> VM exit on its target
        self.kicks_by_mode = {}  # notify mode -> kicks sent
        self._exit_counts_array = array.array("q", bytes(8 * EXIT_REASON_SLOTS))  # basic reason -> count
        self._exit_counts = self._exit_counts_array  # (compiled: a typed view of it)
        self._exits_beyond = {}  # the same, reasons >= EXIT_REASON_SLOTS (none that the model makes)
        # guest interrupts and NMIs
        self.n_guest_interrupts = 0
        self.n_guest_nmis_received = 0  # NMIs carrying a guest-owned source that reached the guest
        self.spurious = FirstN(max_violations)  # (time, pcpu, order) -> (vcpu, vector, sources, is_nmi)
        self.n_nmi_raised = 0
        self._nmi = {}  # vcpu name -> NmiTrack
        self._n_raising = 0
        self._n_receiving = 0
        self.n_nmi_lost = 0
        self.first_lost = None  # ((time, raise order, order), (time, pcpu, source, vcpu name)) of the first lost one
        self.nmi_doubles = FirstN(max_violations)  # (time, pcpu, receipt order, j) -> vcpu name
        self.n_nmi_dropped = 0
        self.nmi_dropped_where = {}  # where -> guest NMIs the hypervisor consumed there
        self.first_drop = None  # (time, pcpu, source tags)
        self.filtered = {}  # source tag -> NMIs a filter removed
        # S5, smp_call, faults, logs
        self.s5 = {}  # vm name -> [start, end, ret]
        self._smp_pending = []  # ([start, caller, mask, {pcpu: done time}], order): not yet done on every target
        self.n_smp_calls = 0
        self.smp_late = FirstN(max_violations)  # (start + bound, pcpu, order) -> (caller, start, pcpu, done or -1)
        self.n_faults = 0
        self.faults_kept = FirstN(max_violations)  # (time, pcpu, order) -> message
        self.logs = []  # (time, vcpu name or "hv", message): the first MAX_LOG_LINES
        self.n_logs = 0
        self.offline = []  # (time, pcpu, "offline"/"online"): the first MAX_LOG_LINES (all with records)
        self.n_offline = 0
        # full records, only when asked for
        self.requests = RequestTable() if records else None
        self.kicks = KickTable() if records else None
        self.guest_interrupts = [] if records else None  # Record(kind="guest-intr"/"guest-nmi", data=(vcpu name, vector, sources, lapic_pt))
        self.nmi_raised = [] if records else None  # Record(kind="guest-nmi-raised", data=(vcpu name, source tag))
        self.nmi_dropped = [] if records else None  # Record(kind="guest-nmi-dropped", data=(source tags, where))
        self.smp_calls = [] if records else None  # [start, caller, mask, {pcpu: done time}] of every call
        self.faults = [] if records else None  # Record(kind="fault", data=message)

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
        remote = self.sim.cur_cpu != vcpu.pcpu_id
        row = self.requests.add(vcpu.name, bit, now, vcpu.pcpu_id, remote) if self.records else -1
        self._open[key] = (now, vcpu.pcpu_id, remote, self.n_requests, row)
        self.n_requests += 1
        if self.sim.tracer is not None:
            self.sim.trace_request(vcpu, bit, True)

    def request_handled(self, vcpu, bit):
        now = self.sim.now
        if self.on_request is not None:
            self.on_request(vcpu, bit, "handled", now)
        entry = self._open.pop((vcpu.name, bit), None)
        if entry is not None:
            made, pcpu, remote, order, row = entry
            if remote:
                self.request_latency.add(now - made)
            if now - made > self.request_bound:
                self.late_requests.add((made + self.request_bound, pcpu, order), (vcpu.name, bit, made, now))
            if row >= 0:
                self.requests.handled[row] = now
            if self.sim.tracer is not None:
                self.sim.trace_request(vcpu, bit, False)

    def sched_next(self, pcpu_id, prev, nxt):
        """A thread is switched out: its vCPU's open requests lose their bound (scheduling delay)."""
        if prev is not None and prev is not nxt and prev.data is not None:
            name = prev.data.name
            for key in [k for k in self._open if k[0] == name]:
                row = self._open.pop(key)[4]
                if row >= 0:
                    self.requests.drop(row)
                self.dropped_requests += 1
        if self.sim.tracer is not None:
            self.sim.trace_sched(pcpu_id, prev, nxt)

    def open_requests(self):
        """The requests still waiting to be handled, in order made (``RequestSample``)."""
        return [RequestSample(name, bit, made, pcpu, remote) for (name, bit), (made, pcpu, remote, _, _)
                in self._open.items()]

    # -- kicks and exits ---------------------------------------------------------------------------
    def kick_sent(self, src, dst, mode):
        now = self.sim.now
        self._kick_open.setdefault(dst, []).append(now)
        self.kicks_by_mode[mode] = self.kicks_by_mode.get(mode, 0) + 1
        if self.records:
            self._kick_rows.setdefault(dst, []).append(self.kicks.add(now, src, dst, mode))
        if self.sim.tracer is not None:
            self.sim.trace_kick(src, dst, mode)

    @property
    def exits(self):
        """{basic exit reason: VM exits}, of the reasons that occurred."""
        out = {reason: n for reason, n in enumerate(self._exit_counts_array) if n}
        out.update(self._exits_beyond)
        return out

    def vmexit(self, pcpu_id, reason):
        if 0 <= reason < EXIT_REASON_SLOTS:
            self._exit_counts[reason] += 1
        else:
            self._exits_beyond[reason] = self._exits_beyond.get(reason, 0) + 1
        waiting = self._kick_open.get(pcpu_id)
        if waiting:
            now = self.sim.now
            for sent in waiting:
                self.kick_latency.add(now - sent)
            waiting.clear()
            if self.records:
                rows = self._kick_rows[pcpu_id]
                for row in rows:
                    self.kicks.exit[row] = now
                rows.clear()

    def kick_absorbed(self, pcpu_id):
        """The target was in root when the kick arrived: no exit will follow for it."""
        waiting = self._kick_open.get(pcpu_id)
        if waiting:
            waiting.clear()
            if self.records:
                self._kick_rows[pcpu_id].clear()

    # -- guest-visible events ------------------------------------------------------------------------
    def guest_interrupt(self, vcpu, vector, sources, is_nmi):
        now = self.sim.now
        lapic_pt = vcpu.vm.lapic_pt
        if lapic_pt and (sources & SRC_HYPERVISOR or sources == 0):
            self.spurious.add((now, vcpu.pcpu_id, self.n_guest_interrupts), (vcpu.name, vector, sources, is_nmi))
        self.n_guest_interrupts += 1
        if is_nmi and sources & SRC_GUEST_OWNED:
            self.n_guest_nmis_received += 1
            self._nmi_received(vcpu.name, vcpu.pcpu_id, now)
        if self.records:
            kind = "guest-nmi" if is_nmi else "guest-intr"
            self.guest_interrupts.append(Record(now, vcpu.pcpu_id, kind, (vcpu.name, vector, sources, lapic_pt)))
        if self.sim.tracer is not None:
            self.sim.trace_guest_interrupt(vcpu, vector, sources, is_nmi)

    def guest_nmi_raised(self, vcpu, source):
        """A guest-owned source raised an NMI meant for ``vcpu``."""
        now = self.sim.now
        track = self._nmi_track(vcpu.name)
        if track.raise_order < 0:
            track.raise_order = self._n_raising
            self._n_raising += 1
        self._nmi_instant(track, vcpu.name, now)
        track.raised_at += 1
        pending = track.pending
        while pending and pending[0][0] + self.guest_nmi_bound < now:
            self._nmi_lost(track, vcpu.name, pending.popleft())  # no receipt from now on can be in time
        if track.last_receipt != now:  # a receipt at this very instant counts for it
            pending.append((now, vcpu.pcpu_id, source, self.n_nmi_raised))
        self.n_nmi_raised += 1
        if self.records:
            self.nmi_raised.append(Record(now, vcpu.pcpu_id, "guest-nmi-raised", (vcpu.name, source)))
        self.sim.trace_guest_nmi(vcpu.pcpu_id, vcpu, source, "raised", 0)

    def _nmi_track(self, name):
        track = self._nmi.get(name)
        if track is None:
            track = self._nmi[name] = NmiTrack()
        return track

    def _nmi_received(self, name, pcpu_id, now):
        track = self._nmi_track(name)
        if track.receipt_order < 0:
            track.receipt_order = self._n_receiving
            self._n_receiving += 1
        self._nmi_instant(track, name, now)
        if track.received_at == 0:
            track.receipt_pcpu = pcpu_id
        track.received_at += 1
        track.last_receipt = now
        pending = track.pending
        while pending:  # every raise so far is answered by this receipt, or was too late for it
            raised = pending.popleft()
            if now > raised[0] + self.guest_nmi_bound:
                self._nmi_lost(track, name, raised)

    def _nmi_lost(self, track, name, raised):
        self.n_nmi_lost += 1
        key = (raised[0], track.raise_order, raised[3])
        if self.first_lost is None or key < self.first_lost[0]:
            self.first_lost = (key, (raised[0], raised[1], raised[2], name))

    def _nmi_instant(self, track, name, now):
        """Close the marks of the instant before ``now``: a receipt with no raise since the last receipt
        (raises at the same instant counted first) is a guest NMI delivered twice."""
        if track.at == now:
            return
        if track.received_at > 0:
            doubles = track.received_at if track.since + track.raised_at == 0 else track.received_at - 1
            for j in range(doubles):
                self.nmi_doubles.add((track.at, track.receipt_pcpu, track.receipt_order, j), name)
            track.since = 0
        else:
            track.since += track.raised_at
        track.at, track.raised_at, track.received_at = now, 0, 0

    def nmi_consumed(self, pcpu_id, sources, where):
        """The hypervisor consumed an NMI without passing it on (taken as a kick, ignored in root).  When it
        carried a guest source's NMI (model tags), that guest NMI is lost."""
        guest = sources & SRC_GUEST_OWNED
        if guest:
            now = self.sim.now
            if self.first_drop is None:
                self.first_drop = (now, pcpu_id, guest)
            self.n_nmi_dropped += 1
            self.nmi_dropped_where[where] = self.nmi_dropped_where.get(where, 0) + 1
            if self.records:
                self.nmi_dropped.append(Record(now, pcpu_id, "guest-nmi-dropped", (guest, where)))
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

    def _targets(self, mask):
        return [pcpu for pcpu in range(self.n_pcpus) if (mask >> pcpu) & 1]

    def smp_call_start(self, caller, mask):
        call = [self.sim.now, caller, mask, {}]
        if self.records:
            self.smp_calls.append(call)
        if self._targets(mask):
            self._smp_pending.append((call, self.n_smp_calls))
        self.n_smp_calls += 1

    def smp_call_done(self, pcpu_id):
        for entry in reversed(self._smp_pending):
            call = entry[0]
            if (call[2] >> pcpu_id) & 1 and pcpu_id not in call[3]:
                call[3][pcpu_id] = self.sim.now
                if all(pcpu in call[3] for pcpu in self._targets(call[2])):
                    self._smp_pending.remove(entry)
                    self._judge_smp_call(entry, -1)
                return

    def _judge_smp_call(self, entry, end):
        """The late (or, at the run's ``end``, never run) targets of one smp_call."""
        (start, caller, mask, done), order = entry
        for pcpu in self._targets(mask):
            finished = done.get(pcpu, -1)
            if (finished < 0 and end - start > self.smp_call_bound) or \
                    (finished >= 0 and finished - start > self.smp_call_bound):
                self.smp_late.add((start + self.smp_call_bound, pcpu, order), (caller, start, pcpu, finished))

    def pcpu_offline(self, pcpu_id):
        self._offline(pcpu_id, "offline")

    def pcpu_online(self, pcpu_id):
        self._offline(pcpu_id, "online")

    def _offline(self, pcpu_id, what):
        self.n_offline += 1
        if self.records or len(self.offline) < MAX_LOG_LINES:
            self.offline.append((self.sim.now, pcpu_id, what))

    # -- faults and logs ----------------------------------------------------------------------------
    def fault(self, pcpu_id, message):
        now = self.sim.now
        self.faults_kept.add((now, pcpu_id, self.n_faults), message)
        self.n_faults += 1
        if self.records:
            self.faults.append(Record(now, pcpu_id, "fault", message))

    def log(self, vcpu, message):
        self.n_logs += 1
        if len(self.logs) < MAX_LOG_LINES:
            self.logs.append((self.sim.now, vcpu.name if vcpu is not None else "hv", message))

    def nmi_window_armed(self, pcpu_id):
        self.sim.trace_nmi_window(pcpu_id)

    # -- the end of the run -------------------------------------------------------------------------
    def finish(self, end):
        """Judge what is still open at the run's ``end`` (cycles): pending requests, smp_calls not done,
        guest NMIs not received.  Called once, by ``Run.result``; later calls do nothing."""
        if self.finished:
            return
        self.finished = True
        for (name, bit), (made, pcpu, remote, order, row) in self._open.items():
            if end - made > self.request_bound:
                self.late_requests.add((made + self.request_bound, pcpu, order), (name, bit, made, -1))
        for entry in self._smp_pending:
            self._judge_smp_call(entry, end)
        for name, track in self._nmi.items():
            self._nmi_instant(track, name, -2)
            for raised in track.pending:
                if end - raised[0] > self.guest_nmi_bound:
                    self._nmi_lost(track, name, raised)
            track.pending.clear()


def describe_request(bit):
    return REQUESTS.get(bit, str(bit))


def describe_vector(vector, is_nmi):
    if is_nmi:
        return "NMI"
    return "vector 0x%02x%s" % (vector, " (%s)" % ACRN_VECTORS[vector] if vector in ACRN_VECTORS else "")
