"""The discrete-event kernel: one clock in TSC cycles, one event queue, the pCPUs as state machines.
It knows nothing of ACRN: the hypervisor's entry points (NMI handler, interrupt dispatch, CPU start) are
handed to it, and what happens in VMX non-root (VM entry, the guest, VM exits, the hypervisor timer) is
supplied by a subclass above the hypervisor model, ``acrn.host.machine.Machine``.

Each pCPU runs hypervisor code (a thread's generator, see ``acrn.engine.ops``) in atomic steps, or
guest code in VMX non-root.  An event is (time, seq, kind, cpu, a, b, c, gen), ordered by (time, seq):
``seq`` grows with every push, so the order of simultaneous events depends only on the inputs (as in
SimPy).  Compiled, the queue is a binary heap of C structs (``QKey`` in ``sim.pxd``: time, seq and the slot of
the event's fields, an ``Event``, in a C array; no Python object per event); interpreted, the same events are ``heapq`` entries.  Both pop the same order, since (time, seq) is
unique.  A scheduled callback (``call_at``) is kept in a dict under its id (the event's ``a``).  Every
latency is drawn through the chooser; nothing else is random.

Interrupt arrivals are posted to the hardware model (``arch_x86.pcpu``) and acted on at once in
non-root, at the next step boundary in root (a step is atomic), or when they wake a waiting pCPU.
"""
from heapq import heappop, heappush

import cython

from acrn.arch_x86.consts import (
    APIC_DEST_ALLESELF, APIC_DEST_ALLISELF, APIC_DEST_SELF, APIC_DM_FIXED, APIC_DM_INIT, APIC_DM_LOWPRI,
    APIC_DM_NMI, APIC_DM_STARTUP, APIC_ICR_DESTMODE_LOGICAL, APIC_ICR_DM_SHIFT, APIC_ICR_SHORTHAND_SHIFT,
    SRC_HV_NOTIFY)
from acrn.arch_x86.lapic_hw import icr_check, icr_check_bits
from acrn.arch_x86.pcpu import EV_ROOT_INTR, EV_ROOT_NMI, PCpu
from acrn.engine.cost import (N_STEPS, S_DISPATCH_INTERRUPT, S_HANDLE_NMI, S_INIT_DELIVERY, S_IPI_DELIVERY,
                              S_NMI_DELIVERY, STEP_NAMES)
from acrn.engine.ops import OP_ENTER, OP_HALT, OP_IDLE_HLT, OP_SWITCH, OP_WAIT, OP_WAIT_UNTIL

# The engine's own constants.  Compiled, they are the C enums of sim.pxd (the same values, checked by
# tests/core/test_constants.py); interpreted, these:
if not cython.compiled:
    # event kinds
    K_STEP = 0  # a pCPU's next hypervisor step is due
    K_ARRIVE = 1  # an interrupt reaches a pCPU
    K_GUEST = 2  # the guest's next activity is due
    K_TICK = 3  # a scheduler tick (the hypervisor's LAPIC timer) fires
    K_CALL = 4  # a scheduled callback (scenario stimulus)

    # explorer: how many of the target's step boundaries an arrival may skip, and the flag of a decided one
    MAX_DEFER = 4
    DEFER_DECIDED = 0x80

    # arrival kinds
    ARR_FIXED = 0
    ARR_NMI = 1
    ARR_INIT = 2
    ARR_SIPI = 3

    # pCPU states
    ST_RUN = 0  # root: a step is scheduled
    ST_WAIT = 1  # root: spinning on a condition
    ST_IDLE_HLT = 2  # root: HLT in the idle loop
    ST_GUEST = 3  # non-root
    ST_HALTED = 4  # stopped: cpu_dead, wait-for-SIPI, or an assertion

ARRIVALS = {ARR_FIXED: "fixed", ARR_NMI: "NMI", ARR_INIT: "INIT", ARR_SIPI: "SIPI"}
STATES = {0: "run", 1: "wait", 2: "hlt", 3: "guest", 4: "halted"}

class PyEvent:
    """Interpreted mode's event (compiled mode: the C struct ``Event`` of sim.pxd, the same fields)."""
    __slots__ = ("time", "seq", "kind", "cpu", "a", "b", "c", "gen")

    def __init__(self, time, seq, kind, cpu, a, b, c, gen):
        self.time, self.seq, self.kind, self.cpu, self.a, self.b, self.c, self.gen = time, seq, kind, cpu, a, b, c, gen


QUEUE_FIRST_CAPACITY = cython.declare(cython.Py_ssize_t, 256)


def _earlier(x, y):
    """Queue key ``x`` comes before key ``y`` (by time, then by sequence number: a total order)."""
    return x.time < y.time or (x.time == y.time and x.seq < y.seq)


class PcpuCtx:
    """The engine's view of one pCPU: what runs there and what it waits for."""

    def __init__(self, cpu_id, hw):
        self.cpu_id = cpu_id
        self.hw = hw
        self.state = ST_RUN
        self.gen = 0  # only the K_STEP tagged with the latest gen is live
        self.ggen = 0  # likewise for K_GUEST
        self.thread = None
        self.context = None  # the generator running on this pCPU
        self.wait_cond = None
        self.wait_step = 0
        self.wait_deadline = -1
        self.guest_start = 0
        self.vcpu = None  # the vCPU in non-root
        self.last_step = -1
        self.steps = 0
        self.next_step_time = 0  # when the pending step (K_STEP of the live gen) is due


class Sim:
    def __init__(self, cost, chooser, n_pcpus, tracer=None):
        self.cost = cost
        self.chooser = chooser
        self.now = 0
        self.seq = 0
        self._pyheap = []  # interpreted mode: (time, seq, PyEvent)
        self._calls = {}  # call id -> callback of a K_CALL event
        self.hw = [PCpu(i) for i in range(n_pcpus)]
        self.ctx = [PcpuCtx(i, self.hw[i]) for i in range(n_pcpus)]
        self.apic_to_cpu = {hw.lapic.apic_id: i for i, hw in enumerate(self.hw)}
        self.waiters = []
        self.cur_cpu = 0
        self.hv = None
        self.obs = None
        # the hypervisor's entry points, handed in by the host builder (the engine knows no hypervisor):
        # nmi_handler(hv, cpu) for host IDT vector 2, irq_handler(hv, cpu, vector) for a fixed vector,
        # cpu_start(hv, cpu) -> the generator a pCPU runs after INIT-SIPI
        self.nmi_handler = None
        self.irq_handler = None
        self.cpu_start = None
        self.tracer = tracer
        self.step_hook = None  # called as step_hook(cpu, step id, time) when set (diagrams, plugins)
        # run-time observers (plugin.RuntimeHooks methods), each None unless some plugin implements it
        self.on_vmexit = None
        self.on_vmentry = None
        self.on_nmi = None
        self.steps = 0
        self.exits = 0
        self.error = None
        self.defer_arrivals = False  # the explorer lets interrupts arrive after a later step boundary
        self._lo = cost.lo  # the cost model's per-step ranges (the same lists: CostModel.set still applies)
        self._hi = cost.hi
        self._load_costs()

    def _load_costs(self):
        """Compiled: copy the cost model's ranges into the C arrays the hot path reads (again at the start of
        every ``run``, so that a ``CostModel.set`` between runs applies)."""
        if cython.compiled:
            if N_STEPS > MAX_STEPS:
                raise ValueError("engine: %d cost steps, at most %d" % (N_STEPS, MAX_STEPS))
            for i in range(N_STEPS):
                self._lo_c[i] = self._lo[i]
                self._hi_c[i] = self._hi[i]

    def __dealloc__(self):
        free(self._heap)
        free(self._events)
        free(self._free)

    # ---- queue ------------------------------------------------------------------------------------
    def _push(self, time, kind, cpu, a, b, c, gen):
        """Queue an event.  Compiled: the event goes into a free entry of ``_events``, and its key (time,
        seq, entry: 24 bytes, what a sift moves) rises in the heap ``_heap``."""
        self.seq += 1
        if cython.compiled:
            if self._n >= self._cap:
                self._grow_heap()
            self._nfree -= 1
            slot = self._free[self._nfree]
            ev = self._events + slot
            ev.time, ev.seq, ev.kind, ev.cpu, ev.a, ev.b, ev.c, ev.gen = time, self.seq, kind, cpu, a, b, c, gen
            i = self._n
            self._n += 1
            while i > 0:
                parent = (i - 1) >> 1
                up = self._heap + parent
                if up.time < time or (up.time == time and up.seq < self.seq):
                    break
                self._heap[i] = up[0]
                i = parent
            key = self._heap + i
            key.time, key.seq, key.slot = time, self.seq, slot
        else:
            heappush(self._pyheap, (time, self.seq, PyEvent(time, self.seq, kind, cpu, a, b, c, gen)))

    def _grow_heap(self):
        """Double the queue's capacity (the heap of keys, the event slots and the free-slot stack)."""
        cap = max(QUEUE_FIRST_CAPACITY, 2 * self._cap)
        keys = cython.cast(QKeyPtr, realloc(self._heap, cap * cython.sizeof(QKey)))
        if keys != cython.NULL:
            self._heap = keys
        events = cython.cast(EventPtr, realloc(self._events, cap * cython.sizeof(Event)))
        if events != cython.NULL:
            self._events = events
        slots = cython.cast(SlotPtr, realloc(self._free, cap * cython.sizeof(cython.Py_ssize_t)))
        if slots != cython.NULL:
            self._free = slots
        if keys == cython.NULL or events == cython.NULL or slots == cython.NULL:
            raise MemoryError("engine: no memory for an event queue of %d events" % cap)
        for slot in range(cap - 1, self._cap - 1, -1):  # the new slots are free (the queue is full)
            self._free[self._nfree] = slot
            self._nfree += 1
        self._cap = cap

    def _pop(self):
        """Remove and return the earliest event (the queue is not empty).  Compiled: the hole at the
        root goes down to a leaf along the earlier child (one comparison a level), then the last key rises
        from there (Floyd's variant, as CPython's heapq: the last key mostly belongs near the bottom)."""
        if cython.compiled:
            top = self._events[self._heap[0].slot]
            self._free[self._nfree] = self._heap[0].slot
            self._nfree += 1
            self._n -= 1
            n = self._n
            if n == 0:
                return top
            i = 0
            child = 1
            while child < n:
                if child + 1 < n and _earlier(self._heap + child + 1, self._heap + child):
                    child += 1
                self._heap[i] = self._heap[child]
                i = child
                child = 2 * i + 1
            last = self._heap + n
            while i > 0:
                parent = (i - 1) >> 1
                if _earlier(self._heap + parent, last):
                    break
                self._heap[i] = self._heap[parent]
                i = parent
            self._heap[i] = last[0]
            return top
        return heappop(self._pyheap)[2]

    def pending(self):
        """How many events are queued."""
        if cython.compiled:
            return self._n
        return len(self._pyheap)

    def _next_time(self):
        """The time of the earliest queued event (the queue is not empty)."""
        if cython.compiled:
            return self._heap[0].time
        return self._pyheap[0][0]

    def queued_offsets(self, lo, hi):
        """The offsets from now of the queued events strictly inside (lo, hi) cycles, in no particular
        order (the explorer's alternatives: where a drawn latency would land next to a queued event)."""
        out = []
        if cython.compiled:
            for i in range(self._n):
                offset = self._heap[i].time - self.now
                if lo < offset < hi:
                    out.append(offset)
        else:
            for t, _, _ in self._pyheap:
                if lo < t - self.now < hi:
                    out.append(t - self.now)
        return out

    def queued(self):
        """The queued events as (time, seq, kind, cpu, a, b, c, gen) tuples, in no particular order; a
        K_CALL's ``a`` is its callback (for the explorer)."""
        out = []
        if cython.compiled:
            for i in range(self._n):
                ev = self._events + self._heap[i].slot
                out.append((ev.time, ev.seq, ev.kind, ev.cpu, self._calls[ev.a] if ev.kind == K_CALL else ev.a,
                            ev.b, ev.c, ev.gen))
        else:
            for _, _, e in self._pyheap:
                out.append((e.time, e.seq, e.kind, e.cpu, self._calls[e.a] if e.kind == K_CALL else e.a, e.b, e.c,
                            e.gen))
        return out

    def latency(self, step):
        """A drawn duration of step ``step`` (cycles)."""
        if cython.compiled:
            return self.chooser.latency(self._lo_c[step], self._hi_c[step], step)
        return self.chooser.latency(self._lo[step], self._hi[step], step)

    def _step_hi(self, step):
        """The longest duration of step ``step`` (cycles)."""
        if cython.compiled:
            return self._hi_c[step]
        return self._hi[step]

    def _next_step(self, ctx, time):
        ctx.gen += 1
        ctx.next_step_time = time
        self._push(time, K_STEP, ctx.cpu_id, 0, 0, 0, ctx.gen)

    def call_at(self, time, func):
        """Run ``func()`` at ``time`` (scenario stimuli), in queue order."""
        self._calls[self.seq + 1] = func  # the id: the seq number the event gets
        self._push(time, K_CALL, 0, self.seq + 1, 0, 0, 0)

    def start_sched_tick(self, pcpu_id, period_us):
        period = self.cost.cycles(period_us)
        self._push(self.now + period, K_TICK, pcpu_id, period, 0, 0, 0)

    # ---- the main loop ----------------------------------------------------------------------------
    def run(self, until):
        """Process events up to simulated time ``until`` (cycles)."""
        self._load_costs()
        while self.pending() > 0:
            if self._next_time() > until:
                break
            ev = self._pop()
            self.now = ev.time
            kind = ev.kind
            ctx = self.ctx[ev.cpu]
            if kind == K_STEP:
                if ev.gen != ctx.gen:
                    continue
                self._step(ctx)
            elif kind == K_GUEST:
                if ev.gen != ctx.ggen or ctx.state != ST_GUEST:
                    continue
                self._guest_event(ctx)
            elif kind == K_ARRIVE:
                if self.defer_arrivals and self._defer(ctx, ev.a, ev.b, ev.c, ev.gen):
                    continue
                self._arrive(ctx, ev.a & 0x7F, ev.b, ev.c)
            elif kind == K_TICK:
                self._tick(ctx, ev.a)
            else:
                self._calls.pop(ev.a)()
            if self.waiters:
                self._check_waiters()
            if self.error is not None:
                raise self.error
        if self.now < until:
            self.now = until

    def _check_waiters(self):
        for ctx in list(self.waiters):
            if ctx.wait_cond():
                self.waiters.remove(ctx)
                self._next_step(ctx, self.now + self.latency(ctx.wait_step))

    # ---- hypervisor steps -------------------------------------------------------------------------
    def _step(self, ctx):
        hw = ctx.hw
        self.cur_cpu = ctx.cpu_id
        state = ctx.state
        if state == ST_HALTED or state == ST_GUEST:
            return
        if state == ST_WAIT:
            if not hw.root_has_event():
                if ctx.wait_cond() or (0 <= ctx.wait_deadline <= self.now):
                    if ctx in self.waiters:
                        self.waiters.remove(ctx)
                    ctx.state = ST_RUN
                else:
                    self._park(ctx)
                    return
        elif state == ST_IDLE_HLT:
            if not hw.root_has_event():
                return
            ctx.state = ST_RUN  # HLT completes after the handler's IRET
        # an interrupt deliverable in root is taken at this step boundary
        ev = hw.root_step()
        if ev == EV_ROOT_NMI:
            self._root_nmi(ctx)
            return
        if ev == EV_ROOT_INTR:
            self._root_intr(ctx)
            return
        if ctx.state != ST_RUN:
            self._park(ctx)
            return
        try:
            directive = next(ctx.context)  # generator.send(None)
        except StopIteration:
            self.obs.fault(ctx.cpu_id, "pCPU%d: thread %s returned" % (ctx.cpu_id, getattr(ctx.thread, "name", "?")))
            ctx.state = ST_HALTED
            return
        self._directive(ctx, directive)

    def _directive(self, ctx, d):
        if type(d) is int:
            step = d
            if step >= 0:
                ctx.last_step = step
                ctx.steps += 1
                self.steps += 1
                if self.step_hook is not None:
                    self.step_hook(ctx.cpu_id, step, self.now)
                self._next_step(ctx, self.now + self.latency(step))
            elif step == OP_ENTER:
                self._vmentry(ctx)
            elif step == OP_HALT:
                ctx.state = ST_HALTED
            elif step == OP_IDLE_HLT:
                ctx.state = ST_IDLE_HLT
                if ctx.hw.root_has_event():
                    self._next_step(ctx, self.now)
            else:
                raise ValueError("unknown directive %r" % (d,))
            return
        op = d[0]
        if op == OP_WAIT or op == OP_WAIT_UNTIL:
            ctx.state = ST_WAIT
            ctx.wait_cond = d[1]
            ctx.wait_step = d[2]
            ctx.wait_deadline = d[3] if op == OP_WAIT_UNTIL else -1
            if ctx.wait_cond():
                self._next_step(ctx, self.now + self.latency(ctx.wait_step))
            else:
                self._park(ctx)
        elif op == OP_SWITCH:
            thread = d[1]
            ctx.thread = thread
            if thread.context is None:
                thread.context = thread.thread_entry(self.hv, thread)
            ctx.context = thread.context
            self.trace_switch(ctx.cpu_id, thread)
            self._next_step(ctx, self.now)
        else:
            raise ValueError("unknown directive %r" % (d,))

    def _park(self, ctx):
        """A waiting pCPU with nothing to do now: re-checked after every event, woken by interrupts,
        and by its deadline."""
        if ctx not in self.waiters:
            self.waiters.append(ctx)
        if ctx.wait_deadline >= 0:
            self._next_step(ctx, max(self.now, ctx.wait_deadline))

    def _root_nmi(self, ctx):
        """Host IDT vector 2: the hypervisor's NMI handler, then IRET (which unblocks NMIs)."""
        hw = ctx.hw
        self.trace_root_nmi(ctx.cpu_id, hw.last_sources)
        if self.on_nmi is not None:
            self.on_nmi(ctx.cpu_id, hw.last_sources, False, self.now)
        self.nmi_handler(self.hv, ctx.cpu_id)
        hw.iret()
        ctx.last_step = S_HANDLE_NMI
        if self.step_hook is not None:
            self.step_hook(ctx.cpu_id, S_HANDLE_NMI, self.now)
        self._next_step(ctx, self.now + self.latency(S_HANDLE_NMI))

    def _root_intr(self, ctx):
        """Host IDT fixed vector: the hypervisor's interrupt dispatch, EOI, IRET (IF back on)."""
        hw = ctx.hw
        self.irq_handler(self.hv, ctx.cpu_id, hw.last_vector)
        hw.host_if = True
        ctx.last_step = S_DISPATCH_INTERRUPT
        if self.step_hook is not None:
            self.step_hook(ctx.cpu_id, S_DISPATCH_INTERRUPT, self.now)
        self._next_step(ctx, self.now + self.latency(S_DISPATCH_INTERRUPT))

    # ---- VMX non-root: supplied by the machine model above the engine (acrn.host.machine) ---------------
    def _vmentry(self, ctx):
        """``OP_ENTER`` on ``ctx``: VMLAUNCH/VMRESUME and whatever the guest does once it runs."""
        raise NotImplementedError("engine: this Sim has no model of VMX non-root (use acrn.host.machine)")

    def _settle(self, ctx):
        """An interrupt reached ``ctx`` in VMX non-root: act on what the hardware does with it."""
        raise NotImplementedError("engine: this Sim has no model of VMX non-root (use acrn.host.machine)")

    def _guest_event(self, ctx):
        """A ``K_GUEST`` event: the guest's next activity on ``ctx`` is due."""
        raise NotImplementedError("engine: this Sim has no model of VMX non-root (use acrn.host.machine)")

    def _tick(self, ctx, period):
        """A ``K_TICK`` event: the hypervisor timer of ``ctx`` fires (every ``period`` cycles)."""
        raise NotImplementedError("engine: this Sim has no hypervisor timer (use acrn.host.machine)")

    # ---- interrupts between pCPUs -----------------------------------------------------------------
    def write_icr(self, src, value, sources, extra_delay=0):
        """A WRMSR to the x2APIC ICR on pCPU ``src``: decode (SDM 10.12.9) and deliver after the
        latency of the delivery mode.  An invalid value is a hypervisor bug: a fault."""
        try:
            icr_check(value)
        except Exception as exc:
            self._icr_fault(src, value, exc)
            return
        self._icr_send(src, value, sources, extra_delay)

    def write_icr_bits(self, src, bits, sources, extra_delay=0):
        """``write_icr`` of a value known to fit 64 bits (the hypervisor's own sends: a C integer throughout)."""
        try:
            icr_check_bits(bits)
        except Exception as exc:
            self._icr_fault(src, bits, exc)
            return
        self._icr_send(src, bits, sources, extra_delay)

    def _icr_fault(self, src, value, exc):
        self.obs.fault(src, "pCPU%d: invalid ICR write 0x%x: %s" % (src, value, exc))

    def _icr_send(self, src, bits, sources, extra_delay):
        """Decode a checked ICR value and queue its interrupt's arrival at every destination pCPU."""
        lo = bits & 0xFFFFFFFF
        dm = (lo >> APIC_ICR_DM_SHIFT) & 0x7
        vector = lo & 0xFF
        shorthand = (lo >> APIC_ICR_SHORTHAND_SHIFT) & 0x3
        dest = bits >> 32
        if dm == APIC_DM_LOWPRI:
            dm = APIC_DM_FIXED  # lowest priority: the first pCPU of the destination set (index order)
            first_only = True
        else:
            first_only = False
        if shorthand == APIC_DEST_SELF:
            self._icr_arrival(src, dm, vector, sources, extra_delay)
        elif shorthand == APIC_DEST_ALLISELF or shorthand == APIC_DEST_ALLESELF:
            for cpu in range(len(self.hw)):
                if cpu != src or shorthand == APIC_DEST_ALLISELF:
                    self._icr_arrival(cpu, dm, vector, sources, extra_delay)
                    if first_only:
                        return
        elif lo & APIC_ICR_DESTMODE_LOGICAL:
            # x2APIC logical: cluster in bits 31:16, member bitmap in bits 15:0 (SDM 10.12.10.2)
            for cpu in range(len(self.hw)):
                apic_id = cython.cast(PCpu, self.hw[cpu]).lapic.apic_id
                if (apic_id >> 4) == (dest >> 16) and (dest >> (apic_id & 0xF)) & 1:
                    self._icr_arrival(cpu, dm, vector, sources, extra_delay)
                    if first_only:
                        return
        else:
            target = self.apic_to_cpu.get(dest)
            if target is not None:
                self._icr_arrival(target, dm, vector, sources, extra_delay)

    def _icr_arrival(self, dst, dm, vector, sources, extra_delay):
        """Queue the arrival at pCPU ``dst`` of an ICR write's interrupt (delivery mode ``dm``), after the
        latency of its delivery; an SMI is outside the model."""
        if dm == APIC_DM_FIXED:
            kind, step = ARR_FIXED, S_IPI_DELIVERY
        elif dm == APIC_DM_NMI:
            kind, step = ARR_NMI, S_NMI_DELIVERY
        elif dm == APIC_DM_INIT:
            kind, step = ARR_INIT, S_INIT_DELIVERY
        elif dm == APIC_DM_STARTUP:
            kind, step = ARR_SIPI, S_INIT_DELIVERY
        else:
            return
        latest = self.now + extra_delay + self._step_hi(step)
        self._push(self.now + extra_delay + self.latency(step), K_ARRIVE, dst, kind, vector, sources, latest)

    def deliver(self, dst, kind, vector, sources, delay=0):
        """An interrupt from outside the CPUs (a device MSI, the PMU, LINT1) reaches ``dst``.  It arrives at
        once in a run; the explorer may let it arrive up to an NMI/IPI delivery latency later."""
        step = S_NMI_DELIVERY if kind == ARR_NMI else S_IPI_DELIVERY
        self._push(self.now + delay, K_ARRIVE, dst, kind, vector, sources, self.now + delay + self._step_hi(step))

    def _defer(self, ctx, kind, vector, sources, latest):
        """Explorer only: an interrupt reaching a pCPU in the middle of a root step may instead arrive after
        one of the target's next MAX_DEFER step boundaries, as long as its delivery latency allows (``latest``:
        the latest arrival time).  One choice, made when it first arrives, says how many boundaries it
        skips (kept in the event's kind, above its low byte).  This places an interrupt after any step of
        the target, not only next to events already queued."""
        if ctx.state != ST_RUN or not (self.now < ctx.next_step_time <= latest):
            return False
        skip = kind >> 8
        if skip == 0:
            if kind & DEFER_DECIDED:
                return False
            skip = self.chooser.pick(MAX_DEFER + 1, K_ARRIVE)
            if skip == 0:
                return False
        self._push(ctx.next_step_time, K_ARRIVE, ctx.cpu_id, (kind & 0xFF) | DEFER_DECIDED | ((skip - 1) << 8),
                   vector, sources, latest)
        return True

    def _arrive(self, ctx, kind, vector, sources):
        hw = ctx.hw
        self.cur_cpu = ctx.cpu_id
        if kind == ARR_NMI:
            hw.post_nmi(sources)
            self.trace_arrival(ctx.cpu_id, kind, vector, sources)
        elif kind == ARR_INIT:
            hw.post_init(sources)
        elif kind == ARR_FIXED:
            hw.post_fixed(vector, sources)
        else:
            hw.post_sipi(vector)
        state = ctx.state
        if state == ST_GUEST:
            self._settle(ctx)
        else:
            if sources & SRC_HV_NOTIFY:
                self.obs.kick_absorbed(ctx.cpu_id)
            if state == ST_WAIT or state == ST_IDLE_HLT:
                if hw.root_has_event():
                    self._next_step(ctx, self.now)
            elif state == ST_HALTED and not hw.vmx_on:
                if kind == ARR_INIT:
                    hw.init_reset()
                elif kind == ARR_SIPI and hw.sipi_start():
                    ctx.state = ST_RUN
                    ctx.thread = None
                    ctx.context = self.cpu_start(self.hv, ctx.cpu_id)
                    self._next_step(ctx, self.now)

    # ---- start-up -----------------------------------------------------------------------------------
    def boot(self, cpu, context):
        """Start pCPU ``cpu`` running generator ``context`` (its start-up path) at the current time."""
        ctx = self.ctx[cpu]
        ctx.state = ST_RUN
        ctx.context = context
        self._next_step(ctx, self.now)

    # ---- trace hooks (no-ops unless a tracer is attached) -----------------------------------------
    def trace_switch(self, cpu, thread):
        pass

    def trace_root_nmi(self, cpu, sources):
        if self.tracer is not None:
            self.tracer.nmi(self.now, cpu, sources, False)

    def trace_arrival(self, cpu, kind, vector, sources):
        if self.tracer is not None:
            self.tracer.arrival(self.now, cpu, kind, vector, sources)


def step_name(step):
    return STEP_NAMES[step] if 0 <= step < len(STEP_NAMES) else "?"
