"""acrn.trace throughput: the vm_exit analysis in process (numba kernel, numpy reference) and the CLI end to end.

Builds a synthetic capture (``--records``, default 1e7, over ``--cpus`` pCPU files, default 4; see
``acrn.trace.synth``) in a temporary folder, then measures:

- ``kernel``: ``acrn.trace.kernels.vm_exit_chunk`` over every pCPU file, in process, after a warm-up call
  (numba's compile / cache load excluded), one thread, then one thread per file;
- ``numpy``: the same scan by ``acrn.trace.reference`` (the no-JIT path);
- ``cli``: ``python -m acrn.trace analyze CAPTURE`` in a subprocess, wall time including interpreter
  start-up and exit, and the same through ``python -m acrn.cli analyze`` when the full CLI imports.
- with ``--acrnalyze PATH/acrnalyze.py``: ACRN's own script on every pCPU file (``--vm_exit``), for scale.

Each figure is the median of ``--repeats`` runs (best shown too).  Targets: kernel >= 250 M records/s in
process; CLI <= 0.5 s.  Run: ``python -m benchmarks.bench_trace`` (or ``python -m benchmarks trace``).
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KERNEL_TARGET = 250e6  # records/s
CLI_TARGET = 0.5  # s


def _timed(func, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def _subprocess_times(cmd, repeats, env):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise RuntimeError("%s failed: %s" % (" ".join(cmd), done.stderr.decode()[-500:]))
    return statistics.median(times), min(times)


def build_capture(folder: Path, records: int, cpus: int) -> Path:
    from acrn.trace import synth, writer

    return writer.write_capture(folder / "acrntrace" / "20240101-000000",
                                synth.synth_capture(records, n_cpus=cpus, seed=1), tsc_khz=2_100_000)


def main():
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_trace", description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=float, default=1e7)
    ap.add_argument("--cpus", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--acrnalyze", help="path to ACRN's acrnalyze.py, to time it on the same capture")
    ap.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = ap.parse_args(sys.argv[1:])

    import numpy as np

    from acrn.trace import analysis, format as fmt, kernels, reader, tables as t
    from acrn.trace.results import VmExitStats

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_trace.") as tmp:
        t0 = time.perf_counter()
        cap_path = build_capture(Path(tmp), int(args.records), args.cpus)
        build_s = time.perf_counter() - t0
        cap = reader.read_capture(cap_path)
        n = cap.n_records
        words = [kernels.prepare(tf.words()) for tf in cap.files]

        def kernel_one_thread():
            for w in words:
                kernels.vm_exit_scan_chunk(w, t.new_state(), VmExitStats())

        def kernel_threads():
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(len(words)) as pool:
                list(pool.map(lambda w: kernels.vm_exit_scan_chunk(w, t.new_state(), VmExitStats()), words))

        kernel_one_thread()  # warm-up: load (or compile) the kernel, fault the file pages in
        med, best = _timed(kernel_one_thread, args.repeats)
        rows.append(("vm_exit kernel, numba, 1 thread", med, best, n / med, KERNEL_TARGET, "rec/s"))
        med, best = _timed(kernel_threads, args.repeats)
        rows.append(("vm_exit kernel, numba, %d threads" % len(words), med, best, n / med, KERNEL_TARGET, "rec/s"))
        med, best = _timed(lambda: analysis.analyze_vm_exit(cap, "numpy"), max(2, args.repeats // 2))
        rows.append(("vm_exit numpy reference", med, best, n / med, None, "rec/s"))

        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([p for p in sys.path if p] + [env.get("PYTHONPATH", "")])
        cli = [sys.executable, "-m", "acrn.trace", "analyze", str(cap_path)]
        _subprocess_times(cli, 1, env)  # numba's on-disk cache is warm for the CLI too
        med, best = _subprocess_times(cli, args.repeats, env)
        rows.append(("CLI: python -m acrn.trace analyze", med, best, n / med, CLI_TARGET, "s"))
        full = [sys.executable, "-m", "acrn.cli", "analyze", str(cap_path)]
        try:
            med, best = _subprocess_times(full, args.repeats, env)
            rows.append(("CLI: acrn-model analyze (python -m acrn.cli)", med, best, n / med, CLI_TARGET, "s"))
        except RuntimeError as err:
            print("acrn-model analyze not measured: %s" % str(err).splitlines()[0], file=sys.stderr)
        if args.acrnalyze:
            def acrnalyze():
                for tf in cap.files:
                    subprocess.run([sys.executable, args.acrnalyze, "-i", str(tf.path), "-o",
                                    os.path.join(tmp, "acrnalyze%d" % tf.cpu), "-f", "2100", "--vm_exit"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            med, best = _timed(acrnalyze, 1)
            rows.append(("acrnalyze.py --vm_exit, every pCPU file", med, best, n / med, None, "s"))

    numpy_rate = rows[2][3]
    print("acrn.trace benchmark: %d records over %d pCPU files (%.0f MB; built in %.1f s), %s, %d CPUs, "
          "python %s, numpy %s" % (n, args.cpus, n * fmt.RECORD_SIZE / 1e6, build_s, platform.machine(),
                                   os.cpu_count(), platform.python_version(), np.__version__))
    print("median of %d runs (best in brackets)" % args.repeats)
    print()
    head = "%-46s %18s %16s %12s  %s" % ("measurement", "time s", "records/s", "vs numpy", "target")
    print(head)
    print("-" * len(head))
    out = []
    for name, med, best, rate, target, unit in rows:
        if target is None:
            verdict = ""
        elif unit == "rec/s":
            verdict = "%s >= %.0f M rec/s" % ("met:" if rate >= target else "MISSED:", target / 1e6)
        else:
            verdict = "%s <= %.1f s" % ("met:" if med <= target else "MISSED:", target)
        print("%-46s %8.3f [%6.3f] %12.1f M %11.1fx  %s" % (name, med, best, rate / 1e6, rate / numpy_rate, verdict))
        out.append({"name": name, "median_s": med, "best_s": best, "records_per_s": rate, "target": target,
                    "unit": unit})
    if args.json:
        print(json.dumps({"records": n, "cpus": args.cpus, "results": out}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
