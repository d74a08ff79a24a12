import cython
from cpython cimport array as carray

from acrn.engine.sim cimport Sim



cdef class LatencyHistogram:
    cdef public long long n
    cdef public long long min
    cdef public long long max
    cdef public carray.array exact
    cdef public object counts
    cdef long long[::1] _counts

    cpdef add(self, long long value)
    cpdef _to_buckets(self)


@cython.locals(e=cython.int)
cpdef long long bucket_of(long long value)


cdef class Observer:
    cdef public Sim sim
    cdef public int n_pcpus
    cdef public bint records
    cdef public long long request_bound
    cdef public long long smp_call_bound
    cdef public long long guest_nmi_bound
    cdef public bint finished
    cdef public object on_request
    cdef public dict _open
    cdef public long long n_requests
    cdef public long long dropped_requests
    cdef public LatencyHistogram request_latency
    cdef public object late_requests
    cdef public dict _kick_open
    cdef public dict _kick_rows
    cdef public LatencyHistogram kick_latency
    cdef public dict kicks_by_mode
    cdef public object _exit_counts_array
    cdef long long[::1] _exit_counts
    cdef public dict _exits_beyond
    cdef public long long n_guest_interrupts
    cdef public long long n_guest_nmis_received
    cdef public object spurious
    cdef public long long n_nmi_raised
    cdef public dict _nmi
    cdef public long long _n_raising
    cdef public long long _n_receiving
    cdef public long long n_nmi_lost
    cdef public object first_lost
    cdef public object nmi_doubles
    cdef public long long n_nmi_dropped
    cdef public dict nmi_dropped_where
    cdef public object first_drop
    cdef public dict filtered
    cdef public dict s5
    cdef public list _smp_pending
    cdef public long long n_smp_calls
    cdef public object smp_late
    cdef public long long n_faults
    cdef public object faults_kept
    cdef public list logs
    cdef public long long n_logs
    cdef public list offline
    cdef public long long n_offline
    cdef public object requests
    cdef public object kicks
    cdef public object guest_interrupts
    cdef public object nmi_raised
    cdef public object nmi_dropped
    cdef public object smp_calls
    cdef public object faults

    @cython.locals(now=cython.longlong)
    cpdef request_made(self, vcpu, int bit)
    @cython.locals(now=cython.longlong, made=cython.longlong)
    cpdef request_handled(self, vcpu, int bit)
    cpdef sched_next(self, pcpu_id, prev, nxt)
    @cython.locals(now=cython.longlong)
    cpdef kick_sent(self, src, dst, mode)
    @cython.locals(now=cython.longlong, sent=cython.longlong)
    cpdef vmexit(self, int pcpu_id, long long reason)
    cpdef kick_absorbed(self, pcpu_id)
    @cython.locals(now=cython.longlong)
    cpdef guest_interrupt(self, vcpu, vector, sources, is_nmi)
    cpdef nmi_consumed(self, pcpu_id, sources, where)
    cpdef fault(self, pcpu_id, message)
    cpdef log(self, vcpu, message)
