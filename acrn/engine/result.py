"""What a run produces: each invariant's verdict with its first violation, latency statistics, counts,
and the list of choices that reproduces the run.  Its size does not depend on the run's length, but for
the choice log (4 bytes a choice, none when the chooser keeps no log)."""
import hashlib
import json
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

PASS = "PASS"
FAIL = "FAIL"
NOT_EXERCISED = "-"


@dataclass
class Violation:
    time: int  # cycles
    pcpu: int
    message: str
    vcpu: Optional[str] = None  # the vCPU's name, when the violation is about one (timeline vCPU tracks)


class Violations(list):
    """What an invariant's ``check`` may return instead of a plain list: the first violations (all of
    them, or the first ``max_violations`` in time order) with ``count``, how many there were in all."""

    def __init__(self, count, first):
        super().__init__(first)
        self.count = count


@dataclass
class Verdict:
    name: str
    verdict: str
    count: int = 0
    first: Optional[Violation] = None
    violations: List[Violation] = field(default_factory=list, repr=False)  # the first ones kept, in time order


def percentile(sorted_values, q):
    """Nearest-rank percentile of an already sorted sequence (q in [0, 100])."""
    if len(sorted_values) == 0:
        return None
    rank = max(1, -(-len(sorted_values) * q // 100))
    return int(sorted_values[int(rank) - 1])


def _to_us(cycles, tsc_mhz):
    return None if cycles is None else round(cycles / tsc_mhz, 3)


@dataclass
class LatencyStats:
    """n, p50, p99 and max of a latency in microseconds; ``rel_error`` 0 when p50 and p99 are exact, else
    their bound on relative error (they come from a histogram's buckets; n and max are always exact)."""
    n: int
    p50_us: Optional[float]
    p99_us: Optional[float]
    max_us: Optional[float]
    rel_error: float = 0.0

    @classmethod
    def of(cls, cycles, tsc_mhz):
        """From the latencies in cycles (any sequence of integers; an int64 numpy array is sorted in place
        of a list of Python ints)."""
        import numpy as np  # not at import: a run without records needs no numpy (its import, its BLAS threads)

        values = np.sort(np.asarray(cycles, dtype=np.int64))
        return cls(len(values), _to_us(percentile(values, 50), tsc_mhz), _to_us(percentile(values, 99), tsc_mhz),
                   _to_us(int(values[-1]) if len(values) else None, tsc_mhz))

    @classmethod
    def of_histogram(cls, hist, tsc_mhz, rel_error):
        """From a histogram with ``n``, ``max``, ``percentile(q)`` (cycles) and ``is_exact()``
        (``acrn.host.observe.LatencyHistogram``); ``rel_error``: its bound when not exact."""
        return cls(hist.n, _to_us(hist.percentile(50), tsc_mhz), _to_us(hist.percentile(99), tsc_mhz),
                   _to_us(hist.max if hist.n else None, tsc_mhz), 0.0 if hist.is_exact() else rel_error)

    def to_dict(self):
        """n, p50_us, p99_us, max_us, and ``rel_error`` when p50/p99 are not exact."""
        out = {"n": self.n, "p50_us": self.p50_us, "p99_us": self.p99_us, "max_us": self.max_us}
        if self.rel_error:
            out["rel_error"] = self.rel_error
        return out


@dataclass
class RunResult:
    """The outcome of one run (``Run.execute()``, ``run_scenario``): the ``verdicts`` of every invariant
    (PASS, FAIL or ``-`` when the scenario does not exercise it, with the count and first violation), the
    request and kick latency statistics in microseconds, ``counts`` (steps, VM exits by basic reason, kicks,
    requests...), the ``choices`` the run made (it replays from them) and the first ``logs`` lines
    (``acrn.host.observe.MAX_LOG_LINES``; ``n_logs`` counts them all)."""

    scenario: str
    design: str
    seed: int
    compiled: bool
    tsc_mhz: float
    duration_cycles: int
    verdicts: List[Verdict]
    request_latency: LatencyStats
    kick_latency: LatencyStats
    counts: dict
    choices: Sequence[int] = field(repr=False, default_factory=list)  # an array.array from the chooser
    logs: List = field(repr=False, default_factory=list)
    n_logs: int = 0

    def verdict(self, name):
        """The Verdict of invariant ``name`` (KeyError if the run did not judge it)."""
        for v in self.verdicts:
            if v.name == name:
                return v
        raise KeyError(name)

    def ok(self):
        """True when no invariant failed (every verdict is PASS or -)."""
        return all(v.verdict != FAIL for v in self.verdicts)

    def to_dict(self, with_choices=False):
        """The result as JSON-ready data (``run --json`` adds ``exit_reasons``: acrn.report.run_json)."""
        out = {
            "scenario": self.scenario, "design": self.design, "seed": self.seed, "compiled": self.compiled,
            "tsc_mhz": self.tsc_mhz, "duration_cycles": self.duration_cycles,
            "verdicts": {v.name: {"verdict": v.verdict, "count": v.count,
                                  "first": None if v.first is None else {
                                      "time_cycles": v.first.time, "time_us": round(v.first.time / self.tsc_mhz, 3),
                                      "pcpu": v.first.pcpu, "message": v.first.message}}
                         for v in self.verdicts},
            "request_latency_us": self.request_latency.to_dict(),
            "kick_to_exit_us": self.kick_latency.to_dict(),
            "counts": self.counts,
        }
        if with_choices:
            out["choices"] = list(self.choices)
        return out

    def digest(self):
        """A fingerprint of everything the run decided (mode-independent)."""
        body = self.to_dict(with_choices=True)
        body.pop("compiled")
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
