"""Record (or check) the golden results: every built-in scenario x every design x seeds 1-10.

Recorded once, before the engine was rewritten for speed (issue 10), with the engine of commit 72b4c10:
    .venv/bin/python tests/golden/make_golden.py            # writes tests/golden/runs.json and demo.json
Each entry keeps what a run decides: the verdicts (count and first violation), the latency statistics,
the counts, and the digest of the whole run including its choice log (``RunResult.digest``).
``tests/golden/test_golden.py`` compares today's engine against these files.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RUNS = os.path.join(HERE, "runs.json")
DEMO = os.path.join(HERE, "demo.json")
SEEDS = tuple(range(1, 11))


def golden_entry(result):
    body = result.to_dict()
    body.pop("compiled")
    body["digest"] = result.digest()
    body["n_choices"] = len(result.choices)
    return body


def key(scenario, design, seed):
    return "%s/%s/%d" % (scenario, design, seed)


def record_runs(registry):
    from acrn.host.run import Run
    from acrn.scenarios import builtin_names, load_scenario

    out = {}
    for name in builtin_names():
        sc = load_scenario(name, registry)
        for design in registry.designs:
            for seed in SEEDS:
                out[key(name, design, seed)] = golden_entry(Run(sc, design, seed=seed, registry=registry).execute())
                print(key(name, design, seed), file=sys.stderr)
    return out


def record_demo(registry):
    """The demo table's rows (each design of the demo on each built-in scenario at its own seed)."""
    from acrn.report import run_matrix
    from acrn.scenarios import builtin_names

    designs = [n for n, d in registry.designs.items() if d.in_demo]
    return {key(s, d, r.seed): golden_entry(r) for s, d, r in run_matrix(registry, builtin_names(), designs, False)}


def _write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def main():
    from acrn.plugin import Registry, get_plugin_manager

    registry = Registry(get_plugin_manager(autoload=False))  # built-ins only
    _write(DEMO, record_demo(registry))
    _write(RUNS, record_runs(registry))
    return 0


if __name__ == "__main__":
    sys.exit(main())
