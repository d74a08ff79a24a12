import cython

from acrn.engine.chooser cimport Chooser
from acrn.engine.sim cimport Sim


cdef class ExploreChooser(Chooser):
    cdef public dict forced
    cdef public object hasher
    cdef public list points
    cdef public list kinds
    cdef public list hashes
    cdef public object hash_after
    cdef public Sim sim

    cpdef attach(self, sim)
    cpdef list alternatives(self, long long lo, long long hi)
    @cython.locals(alts=list, mid=cython.longlong, default=cython.longlong, value=cython.longlong,
                   pos=cython.Py_ssize_t)
    cpdef long long latency(self, long long lo, long long hi, int what=*) except? -1
    cpdef str latency_kind(self, long long lo, long long hi, int what)
    @cython.locals(alts=list, value=cython.longlong, pos=cython.Py_ssize_t)
    cpdef long long pick(self, long long n, int what=*) except? -1
    cdef object _hash(self, Py_ssize_t pos)
