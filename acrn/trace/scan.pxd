# Types for the Cython compilation of scan.py (the same source is what numba compiles and what runs
# interpreted).  Records and accumulators are int64 (numpy's "l" on the 64-bit Linux this targets).
import cython

# the module's constants (assigned in scan.py from acrn.trace.tables / events / format)
cdef long _ID_MASK, _VM_EXIT, _VM_ENTER, _SCHED_NEXT, _HANDLER_FIRST, _HANDLER_LAST, _VCPU_RUN, _TSC_FREQ
cdef long _EXT_INT, _IRQ_VECTORS, _IRQ_SEEN, _IRQ_HAVE_BEGIN, _IRQ_BEGIN, _IRQ_END, _IRQ_NONMONOTONIC
cdef long _MODEL_FIRST, _MODEL_LAST, _REASON_MASK, _KIND_EXIT, _KIND_ENTER, _CTX_VMS, _CTX_VCPUS, _CTX_VCPU_UNKNOWN
cdef long _CTX_IDLE, _CTX_UNKNOWN, _CH_V, _CH_M, _CH_COLON, _CH_0, _CH_9, _IDLE_NAME
cdef long _SCHED_IDLE, _SCHED_UNKNOWN, _C_EXIT_WITHOUT_ENTER, _C_ENTER_WITHOUT_EXIT, _C_ENTER_BEFORE_FIRST_EXIT, _C_NEGATIVE_DURATION, _C_NONMONOTONIC, _C_UNKNOWN_IDS
cdef long _C_FIRST_UNKNOWN_ID, _C_COMPAT_UNATTR_ENTERS, _C_COMPAT_UNATTR_CYCLES, _C_TSC_KHZ, _C_NEGATIVE_GUEST, _C_HANDLER_BEFORE_FIRST_EXIT, _C_TSC_HIGH, _C_OVERFLOW
cdef long _S_PREV_TSC, _S_HAVE_PREV, _S_LAST_KIND, _S_LAST_TSC, _S_LAST_REASON, _S_LAST_CTX, _S_CTX, _S_STARTED
cdef long _S_BEGIN, _S_END, _S_COMPAT_SLOT, _S_COMPAT_EXIT_TSC, _SC_ITEMS, _SC_SCHED, _SC_BEGIN, _SC_END
cdef long _SC_AMBIGUOUS, _SC_CHAIN_BREAKS, _SC_ZERO_TSC, _SC_BAD_NAMES, _SC_STARTED, _SC_LAST_SCHED, _SC_NEXT_LAST, _SC_STOPPED
cdef long _SC_SEEN, _SC_TSC_HIGH, _SC_OVERFLOW, _SC_NONMONOTONIC, _I64_MAX, _I64_MIN, _U32

# __builtin_prefetch (GCC, clang): a read hint, kept in no particular cache level
cdef extern from *:
    """
    #define acrn_prefetch(p) __builtin_prefetch((p), 0, 0)
    """
    void acrn_prefetch(const void *p) noexcept nogil

cdef bint _COMPILED
cdef long PREFETCH_WORDS

@cython.locals(b0=long, b1=long, b2=long, b3=long)
cdef long sched_name_vm(long name4) noexcept nogil

@cython.locals(vm=long)
cdef long sched_ctx(long e) noexcept nogil

@cython.locals(vm=long, vcpu=long)
cdef long vcpu_ctx(long e) noexcept nogil

cdef inline long sat_add(long cur, long d) noexcept nogil

@cython.locals(n=Py_ssize_t, i=Py_ssize_t, prev_tsc=long, have_prev=bint, last_kind=long, last_tsc=long,
               last_reason=long, last_ctx=long, ctx=long, started=bint, begin=long, end=long, c_slot=long,
               c_exit_tsc=long, nonmono=long, tsc_high=long, overflow=long, nd=long, x=long, tsc=long, eid=long, reason=long,
               d=long, dc=long, slot=long, id_mask=long, vm_exit=long, vm_enter=long, reason_mask=long,
               kind_exit=long, kind_enter=long, handler_first=long, handler_last=long, i64_max=long,
               b=Py_ssize_t, k=Py_ssize_t, compiled=bint, pf=Py_ssize_t, tsc0=long, dg=long, g_exits=long, g_exit_cycles=long, g_guest=long)
cpdef long vm_exit_chunk(const long[::1] w, long[::1] st, long[::1] counters, long[::1] exits,
                         long[::1] completed, long[::1] exit_cycles, long[::1] compat_events,
                         long[::1] compat_cycles, long[::1] ctx_exits, long[::1] ctx_exit_cycles,
                         long[::1] ctx_guest_cycles, const long[::1] handler_slot,
                         const unsigned char[::1] known_small, long[::1] durations, long[::1] dur_reasons,
                         bint want_durations) noexcept nogil

@cython.locals(nd=long)
cpdef long vm_exit_chunk_nogil(const long[::1] w, long[::1] st, long[::1] counters, long[::1] exits,
                               long[::1] completed, long[::1] exit_cycles, long[::1] compat_events,
                               long[::1] compat_cycles, long[::1] ctx_exits, long[::1] ctx_exit_cycles,
                               long[::1] ctx_guest_cycles, const long[::1] handler_slot,
                               const unsigned char[::1] known_small, long[::1] durations, long[::1] dur_reasons,
                               bint want_durations)

@cython.locals(n=Py_ssize_t, i=Py_ssize_t, base=long, have_begin=bint, no=long, tsc=long, v=long, prev=long,
               nonmono=long)
cpdef long irq_chunk(const long[:, ::1] w, bint compat, long[::1] counts, long[::1] first, long[::1] other_pos,
                     long[::1] st) noexcept nogil

@cython.locals(no=long)
cpdef long irq_chunk_nogil(const long[:, ::1] w, bint compat, long[::1] counts, long[::1] first,
                           long[::1] other_pos, long[::1] st)

@cython.locals(vm=long)
cdef long sched_slot(long name4) noexcept nogil

@cython.locals(n=Py_ssize_t, i=Py_ssize_t, have=bint, begin=long, end=long, last_sched=long, next_last=long,
               nsched=long, seen=long, tsc=long, e=long, prev=long, nxt=long, d=long, x=long)
cpdef void sched_chunk(const long[:, ::1] w, bint compat, long[::1] slot_time, long[::1] sc) noexcept nogil

cpdef void sched_chunk_nogil(const long[:, ::1] w, bint compat, long[::1] slot_time, long[::1] sc)

@cython.locals(slot=long, d=long, x=long)
cpdef void sched_finish(bint compat, long[::1] slot_time, long[::1] sc) noexcept nogil

@cython.locals(i=Py_ssize_t)
cpdef void add_into(long[::1] dst, const long[::1] src)

@cython.locals(i=Py_ssize_t)
cpdef list nonzero_of(const long[::1] a, const long[::1] b, const long[::1] c)
