"""The one place where a run makes choices (SimPy-style determinism: nothing else is random).

A choice is either a latency drawn from [lo, hi] or an index among simultaneous candidates.  Every
choice is appended to ``log``; ``Chooser(replay=log)`` answers the same questions with the same values,
so a run is reproducible from its list of choices.  The explorer subclasses this.
"""
import random

from acrn.errors import AcrnModelError


class Chooser:
    def __init__(self, seed=0, replay=None):
        self.seed = seed
        self.rng = random.Random(seed)  # a private generator: no global randomness
        self._random = self.rng.random
        self.log = []
        self.replay = list(replay) if replay is not None else None

    def _next(self, lo, hi):
        pos = len(self.log)
        if self.replay is not None and pos < len(self.replay):
            value = self.replay[pos]
            if not lo <= value <= hi:
                raise AcrnModelError("replay: choice %d is %d, outside [%d, %d]: the run diverged" % (pos, value, lo, hi))
        else:
            r = self._random()
            value = lo + int(r * (hi - lo + 1))  # uniform on [lo, hi]; cheaper than randint
        self.log.append(value)
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
