"""The one place where a run makes choices (SimPy-style determinism: nothing else is random).

A choice is either a latency drawn from [lo, hi] or an index among simultaneous candidates.  Every
choice is appended to the choice log (``log``, an ``array.array`` of int32, widened to int64 once a
value needs it; compiled, values are stored through its C buffer, 4 bytes per choice, no Python int);
``Chooser(replay=log)`` answers the same questions with the same values, so a run is reproducible from
its list of choices.  ``keep_log=False`` records nothing (4 bytes per choice saved)
when no replay is wanted.  The explorer subclasses this.

The generator is MT19937 (M. Matsumoto and T. Nishimura, "Mersenne Twister: a 623-dimensionally
equidistributed uniform pseudo-random number generator", ACM TOMACS 8(1), 1998), seeded from the 32-bit
words of |seed| by the paper authors' ``init_by_array`` (2002 revision), one draw being their
``genrand_res53`` (a double in [0, 1) from two 32-bit outputs).  That is exactly what CPython's
``random.Random(seed).random()`` computes, so the compiled chooser (C code, below) draws the same numbers
as interpreted mode (which calls ``random.Random``) and as the engine did before it was compiled: the
golden results of ``tests/golden`` still hold.  ``tests/core/test_chooser.py`` checks the C generator
against ``random.Random``.
"""
import array
import random

import cython

from acrn.errors import AcrnModelError

# MT19937's parameters (the paper's n, m, a and the masks of its upper/lower bits): C constants when compiled
MT_N = cython.declare(cython.int, 624)
MT_M = cython.declare(cython.int, 397)
MT_MATRIX_A = cython.declare(cython.uint, 0x9908B0DF)
MT_UPPER = cython.declare(cython.uint, 0x80000000)
MT_LOWER = cython.declare(cython.uint, 0x7FFFFFFF)
MT_TEMPER_B = cython.declare(cython.uint, 0x9D2C5680)  # the tempering masks b and c
MT_TEMPER_C = cython.declare(cython.uint, 0xEFC60000)
INT32_MIN = cython.declare(cython.longlong, -(1 << 31))
INT32_MAX = cython.declare(cython.longlong, (1 << 31) - 1)


def seed_words(seed):
    """The 32-bit words of |seed|, least significant first (at least one): the key ``init_by_array``
    takes.  Only integer seeds are accepted."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise AcrnModelError("chooser: the seed must be an integer, got %r" % (seed,))
    n = abs(seed)
    words = [n & 0xFFFFFFFF]
    n >>= 32
    while n:
        words.append(n & 0xFFFFFFFF)
        n >>= 32
    return words


class Chooser:
    def __init__(self, seed=0, replay=None, keep_log=True):
        self.seed = seed
        self.keep_log = keep_log
        self.n = 0  # choices made so far (also when the log is off)
        self.replay = list(replay) if replay is not None else None
        self._n_replay = len(self.replay) if replay is not None else 0
        if cython.compiled:
            self._mt_seed(seed_words(seed))
            self._log32 = array.array("i")
        else:
            seed_words(seed)  # the same refusal as compiled mode
            self.rng = random.Random(seed)  # a private generator: no global randomness
            self._random = self.rng.random
            self._pylog = []

    # ---- MT19937 (compiled mode) ------------------------------------------------------------------
    def _mt_seed(self, key):
        """init_by_array: fill the state from an initial seed (init_genrand(19650218)), then mix in
        ``key``."""
        self._mt[0] = 19650218
        for i in range(1, MT_N):
            prev = self._mt[i - 1]
            self._mt[i] = 1812433253 * (prev ^ (prev >> 30)) + i
        nkey = len(key)
        i, j = 1, 0
        for k in range(max(MT_N, nkey), 0, -1):
            prev = self._mt[i - 1]
            self._mt[i] = (self._mt[i] ^ ((prev ^ (prev >> 30)) * 1664525)) + cython.cast(cython.uint, key[j]) + j
            i += 1
            j += 1
            if i >= MT_N:
                self._mt[0] = self._mt[MT_N - 1]
                i = 1
            if j >= nkey:
                j = 0
        for k in range(MT_N - 1, 0, -1):
            prev = self._mt[i - 1]
            self._mt[i] = (self._mt[i] ^ ((prev ^ (prev >> 30)) * 1566083941)) - i
            i += 1
            if i >= MT_N:
                self._mt[0] = self._mt[MT_N - 1]
                i = 1
        self._mt[0] = MT_UPPER  # the most significant bit set: a non-zero state
        self._mti = MT_N

    def _twist(self):
        """The regeneration of genrand_int32: all 624 words at once, every 624 outputs (the reference
        code's three loops: no modulo)."""
        for kk in range(MT_N - MT_M):
            y = (self._mt[kk] & MT_UPPER) | (self._mt[kk + 1] & MT_LOWER)
            self._mt[kk] = self._mt[kk + MT_M] ^ (y >> 1) ^ (MT_MATRIX_A if y & 1 else 0)
        for kk in range(MT_N - MT_M, MT_N - 1):
            y = (self._mt[kk] & MT_UPPER) | (self._mt[kk + 1] & MT_LOWER)
            self._mt[kk] = self._mt[kk + (MT_M - MT_N)] ^ (y >> 1) ^ (MT_MATRIX_A if y & 1 else 0)
        y = (self._mt[MT_N - 1] & MT_UPPER) | (self._mt[0] & MT_LOWER)
        self._mt[MT_N - 1] = self._mt[MT_M - 1] ^ (y >> 1) ^ (MT_MATRIX_A if y & 1 else 0)
        self._mti = 0

    def _genrand(self):
        """genrand_int32: the next 32-bit output, tempered."""
        if self._mti >= MT_N:
            self._twist()
        y = self._mt[self._mti]
        self._mti += 1
        y ^= y >> 11
        y ^= (y << 7) & MT_TEMPER_B
        y ^= (y << 15) & MT_TEMPER_C
        y ^= y >> 18
        return y

    def _draw(self):
        """genrand_res53: a double in [0, 1) with 53 random bits."""
        if cython.compiled:
            a = self._genrand() >> 5
            b = self._genrand() >> 6
            return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)
        return self._random()

    # ---- the choice log ---------------------------------------------------------------------------
    def _record(self, value):
        """Append ``value`` to the log (when kept) and count the choice (for subclasses that choose
        themselves, e.g. the explorer's)."""
        return self._keep(value)

    def _keep(self, value):
        """``_record``'s body (a final C method: the draw path calls it inline)."""
        if self.keep_log:
            if cython.compiled:
                if not self._wide and not (INT32_MIN <= value <= INT32_MAX):
                    self._log64 = array.array("q", self._log32)  # the first value beyond int32: widen once
                    self._log32 = array.array("i")
                    self._wide = True
                if self._wide:
                    carray.resize_smart(self._log64, self.n + 1)  # amortized growth, as list.append
                    self._log64.data.as_longlongs[self.n] = value
                else:
                    carray.resize_smart(self._log32, self.n + 1)
                    self._log32.data.as_ints[self.n] = value
            else:
                self._pylog.append(value)
        self.n += 1
        return 0

    @property
    def log(self):
        """The choices made so far (an ``array.array``: 'i' while every value fits int32, else 'q');
        empty when ``keep_log`` is off.  Compiled, this is the live log itself, not a copy."""
        if not self.keep_log:
            return array.array("i")
        if cython.compiled:
            return self._log64 if self._wide else self._log32
        for v in self._pylog:
            if not INT32_MIN <= v <= INT32_MAX:
                return array.array("q", self._pylog)
        return array.array("i", self._pylog)

    # ---- the choices --------------------------------------------------------------------------------
    def _next(self, lo, hi):
        pos = self.n
        if pos < self._n_replay:
            value = self.replay[pos]
            if not lo <= value <= hi:
                raise AcrnModelError("replay: choice %d is %d, outside [%d, %d]: the run diverged" % (pos, value, lo, hi))
        else:
            r = self._draw()
            # uniform on [lo, hi]; cheaper than randint.  r * (hi - lo + 1) >= 0: the C cast truncates as int()
            if cython.compiled:
                value = lo + cython.cast(cython.longlong, r * (hi - lo + 1))
            else:
                value = lo + int(r * (hi - lo + 1))
        self._keep(value)
        return value

    def attach(self, sim):
        """Called once the engine exists (the explorer's chooser looks at its queue)."""

    def latency(self, lo, hi, what=0):
        """A duration in [lo, hi] cycles for step/delivery ``what``."""
        if lo == hi:
            return lo
        return self._next(lo, hi)

    def pick(self, n, what=0):
        """An index in [0, n) among ``n`` candidates that could go next."""
        if n <= 1:
            return 0
        return self._next(0, n - 1)
