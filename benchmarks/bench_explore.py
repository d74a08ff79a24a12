"""The explorer's speed: states/s and time to the first violation on kick-race (issue: Explorer).

For ``nmi-nowindow`` (the race exists) and ``nmi`` (it does not, within the bound), each in its own
subprocess, compiled and interpreted (``ACRN_MODEL_PURE=1``): runs, choice-point states explored beyond each
run's replayed prefix, engine steps, wall time, states/s and the time to the first violation.  Median of
``--repeats``.  Targets (issue): the race found in under 1 s; >= 100k states/s.

    python -m benchmarks explore [-- --repeats 5 --json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import json, sys, time
from acrn.explore import Explorer
from acrn.scenarios import load_scenario
import acrn
ex = Explorer(load_scenario("kick-race"), sys.argv[1])
r = ex.explore()
d = r.to_dict()
print(json.dumps({"compiled": acrn.compiled(), "runs": d["runs"], "states": d["states"], "steps": d["steps"],
                  "elapsed": d["elapsed"], "time_to_first": d["time_to_first"],
                  "violation": d["violation"] and d["violation"]["choices"]}))
"""


def measure(design, pure, python):
    env = dict(os.environ)
    env.pop("ACRN_MODEL_PURE", None)
    if pure:
        env["ACRN_MODEL_PURE"] = "1"
    out = subprocess.run([python, "-c", CHILD, design], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    for design in ("nmi-nowindow", "nmi"):
        for pure in (False, True):
            samples = [measure(design, pure, args.python) for _ in range(args.repeats)]
            elapsed = statistics.median(s["elapsed"] for s in samples)
            first = [s["time_to_first"] for s in samples if s["time_to_first"] is not None]
            rows.append({"design": design, "mode": "interpreted" if pure else "compiled",
                         "really_compiled": samples[0]["compiled"], "runs": samples[0]["runs"],
                         "states": samples[0]["states"], "steps": samples[0]["steps"], "elapsed_s": elapsed,
                         "states_per_s": samples[0]["states"] / elapsed, "steps_per_s": samples[0]["steps"] / elapsed,
                         "time_to_first_s": statistics.median(first) if first else None,
                         "counterexample": samples[0]["violation"]})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print("explorer on kick-race (dfs, default bound and horizon), median of %d" % args.repeats)
    print("%-13s %-12s %6s %8s %8s %8s %12s %12s %14s" % ("design", "mode", "runs", "states", "steps", "time s",
                                                         "states/s", "steps/s", "first viol. s"))
    for r in rows:
        print("%-13s %-12s %6d %8d %8d %8.3f %12.0f %12.0f %14s" % (
            r["design"], r["mode"], r["runs"], r["states"], r["steps"], r["elapsed_s"], r["states_per_s"],
            r["steps_per_s"], "-" if r["time_to_first_s"] is None else "%.3f" % r["time_to_first_s"]))
    race = next(r for r in rows if r["design"] == "nmi-nowindow" and r["mode"] == "compiled")
    print("targets: race found in < 1 s: %s (%.3f s); >= 100k states/s: %s (%.0f)" % (
        "met" if race["time_to_first_s"] is not None and race["time_to_first_s"] < 1 else "missed",
        race["time_to_first_s"] or float("nan"), "met" if race["states_per_s"] >= 1e5 else "missed",
        race["states_per_s"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
