import cython
from libc.stdlib cimport free, realloc

from acrn.arch_x86.pcpu cimport PCpu
from acrn.arch_x86.lapic_hw cimport icr_check, icr_check_bits
from acrn.engine.chooser cimport Chooser

# the constants this module imports, as C globals (their values: the modules they come from)
cdef long long APIC_DEST_ALLESELF, APIC_DEST_ALLISELF, APIC_DEST_SELF, APIC_DM_FIXED, APIC_DM_INIT, APIC_DM_LOWPRI, \
    APIC_DM_NMI, APIC_DM_STARTUP, APIC_ICR_DESTMODE_LOGICAL, APIC_ICR_DM_SHIFT, APIC_ICR_SHORTHAND_SHIFT, \
    SRC_HV_NOTIFY, EV_ROOT_INTR, EV_ROOT_NMI, N_STEPS, S_DISPATCH_INTERRUPT, S_HANDLE_NMI, S_INIT_DELIVERY, \
    S_IPI_DELIVERY, S_NMI_DELIVERY, OP_ENTER, OP_HALT, OP_IDLE_HLT, OP_SWITCH, OP_WAIT, OP_WAIT_UNTIL


# the engine's own constants (interpreted: the same values in sim.py)
cpdef enum:
    K_STEP = 0
    K_ARRIVE = 1
    K_GUEST = 2
    K_TICK = 3
    K_CALL = 4
    MAX_DEFER = 4
    DEFER_DECIDED = 0x80
    ARR_FIXED = 0
    ARR_NMI = 1
    ARR_INIT = 2
    ARR_SIPI = 3
    ST_RUN = 0
    ST_WAIT = 1
    ST_IDLE_HLT = 2
    ST_GUEST = 3
    ST_HALTED = 4


cdef struct Event:
    long long time
    long long seq
    int kind
    int cpu
    long long a
    long long b
    long long c
    long long gen

ctypedef Event* EventPtr

# a heap entry: an event's key and the slot of its Event (a sift moves 24 bytes, not the whole event)
cdef struct QKey:
    long long time
    long long seq
    Py_ssize_t slot

ctypedef QKey* QKeyPtr
ctypedef Py_ssize_t* SlotPtr

cdef bint _earlier(QKeyPtr x, QKeyPtr y) noexcept

# the cost model's step ranges, copied into C arrays (cost.N_STEPS must not exceed it)
cdef enum:
    MAX_STEPS = 64


cdef class PcpuCtx:
    cdef public int cpu_id
    cdef public PCpu hw
    cdef public int state
    cdef public long long gen
    cdef public long long ggen
    cdef public object thread
    cdef public object context
    cdef public object wait_cond
    cdef public int wait_step
    cdef public long long wait_deadline
    cdef public long long guest_start
    cdef public object vcpu
    cdef public int last_step
    cdef public long long steps
    cdef public long long next_step_time


cdef class Sim:
    cdef public object cost
    cdef public Chooser chooser
    cdef public long long now
    cdef public long long seq
    cdef QKey* _heap
    cdef Event* _events
    cdef Py_ssize_t* _free
    cdef Py_ssize_t _nfree
    cdef Py_ssize_t _n
    cdef Py_ssize_t _cap
    cdef list _pyheap
    cdef dict _calls
    cdef public list hw
    cdef public list ctx
    cdef public dict apic_to_cpu
    cdef public list waiters
    cdef public int cur_cpu
    cdef public object hv
    cdef public object obs
    cdef public object tracer
    cdef public object step_hook
    cdef public object on_vmexit
    cdef public object on_vmentry
    cdef public object on_nmi
    cdef public object nmi_handler
    cdef public object irq_handler
    cdef public object cpu_start
    cdef public long long steps
    cdef public long long exits
    cdef public object error
    cdef public bint defer_arrivals
    cdef list _lo
    cdef list _hi
    cdef long long _lo_c[MAX_STEPS]
    cdef long long _hi_c[MAX_STEPS]

    @cython.locals(i=cython.Py_ssize_t)
    cdef _load_costs(self)

    @cython.locals(i=cython.Py_ssize_t, parent=cython.Py_ssize_t, up=QKeyPtr, ev=EventPtr, key=QKeyPtr,
                   slot=cython.Py_ssize_t)
    cdef int _push(self, long long time, int kind, int cpu, long long a, long long b, long long c,
                   long long gen) except -1
    @cython.locals(cap=cython.Py_ssize_t, keys=QKeyPtr, events=EventPtr, slots=SlotPtr, slot=cython.Py_ssize_t)
    cdef _grow_heap(self)
    @cython.locals(top=Event, last=QKeyPtr, i=cython.Py_ssize_t, child=cython.Py_ssize_t, parent=cython.Py_ssize_t,
                   n=cython.Py_ssize_t)
    cdef Event _pop(self)
    cpdef Py_ssize_t pending(self)
    cdef long long _next_time(self)
    @cython.locals(i=cython.Py_ssize_t, offset=cython.longlong)
    cpdef list queued_offsets(self, long long lo, long long hi)
    @cython.locals(i=cython.Py_ssize_t, ev=EventPtr)
    cpdef list queued(self)
    cpdef long long latency(self, int step) except? -1
    cdef long long _step_hi(self, int step)
    cdef _next_step(self, PcpuCtx ctx, long long time)
    @cython.locals(ctx=PcpuCtx, ev=Event, kind=cython.int)
    cpdef run(self, long long until)
    @cython.locals(ctx=PcpuCtx)
    cdef _check_waiters(self)
    @cython.locals(hw=PCpu, state=cython.int, ev=cython.int)
    cdef _step(self, PcpuCtx ctx)
    @cython.locals(step=cython.int, op=cython.int)
    cdef _directive(self, PcpuCtx ctx, d)
    cdef _park(self, PcpuCtx ctx)
    @cython.locals(hw=PCpu)
    cdef _root_nmi(self, PcpuCtx ctx)
    @cython.locals(hw=PCpu)
    cdef _root_intr(self, PcpuCtx ctx)
    cdef _vmentry(self, PcpuCtx ctx)
    cdef _settle(self, PcpuCtx ctx)
    cdef _guest_event(self, PcpuCtx ctx)
    cpdef write_icr(self, int src, value, int sources, long long extra_delay=*)
    cpdef write_icr_bits(self, int src, unsigned long long bits, int sources, long long extra_delay=*)
    cdef _icr_fault(self, int src, value, exc)
    @cython.locals(lo=cython.ulonglong, dm=cython.int, vector=cython.int, shorthand=cython.int, dest=cython.ulonglong,
                   first_only=cython.bint, cpu=cython.int, apic_id=cython.ulonglong)
    cdef _icr_send(self, int src, unsigned long long bits, int sources, long long extra_delay)
    @cython.locals(kind=cython.int, step=cython.int, latest=cython.longlong)
    cdef _icr_arrival(self, int dst, int dm, int vector, int sources, long long extra_delay)
    @cython.locals(hw=PCpu, state=cython.int)
    cdef _arrive(self, PcpuCtx ctx, int kind, int vector, int sources)
    cdef bint _defer(self, PcpuCtx ctx, long long kind, long long vector, long long sources, long long latest) except -1
    cdef _tick(self, PcpuCtx ctx, long long period)

    cpdef trace_switch(self, cpu, thread)
    cpdef trace_root_nmi(self, cpu, sources)
    cpdef trace_arrival(self, cpu, kind, vector, sources)
