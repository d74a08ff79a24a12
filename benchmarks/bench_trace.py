"""acrn.trace against ACRN's own acrnalyze.py, whole processes side by side, and the scans in process.

Builds synthetic captures (``--sizes``, default 1e5,1e6,1e7 records over ``--cpus`` pCPU files, default
4; see ``acrn.trace.synth``) in a temporary folder, then measures, in one run:

- ``end to end``: ``python -m acrn.cli analyze CAPTURE --report R`` for R = vm_exit, irq, cpu_usage, one
  process, against ``acrnalyze.py -i CAPTURE/<pcpu> -o OUT -f 2100 --R`` run once per pCPU file, as ACRN's
  documentation runs it (needs ``--acrnalyze PATH`` or ``$ACRNALYZE``: ACRN's
  misc/debug_tools/acrn_trace/scripts/acrnalyze.py).  Both with their bytecode caches (.pyc), as
  installed.  Runs alternate between the two tools; medians of ``--repeats``; peak memory is each process's maximum resident set (``wait4``), for acrnalyze the
  largest of its processes.
- ``in process``: the vm_exit scan (the compiled build of ``acrn.trace.scan``) over every pCPU file, on
  one thread and on one thread per file, against a plain streaming pass over the same page-cached
  memory map (the sum of every record's id word: every cache line read), on as many threads; and
  ``analyze``'s own path (each file read into its buffer) on one thread and on its threads.
- ``timeline`` of the largest capture: wall time and peak memory of ``acrn-model timeline``.

Targets (issue 16): end to end >= 14x acrnalyze at 1e7 records and faster (> 1x) at the smaller sizes,
for every report; peak memory <= 64 MiB plus one chunk (acrn.trace.reader.CHUNK_RECORDS records) at every
size; the scan >= 80 % of the streaming pass on one thread, and within 10 % of it on one thread per file;
the timeline <= 2 s and <= 256 MiB.  Run: ``python -m benchmarks trace -- --acrnalyze PATH``.
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

REPORTS = ("vm_exit", "irq", "cpu_usage")
SPEEDUP_TARGET_LARGE = 14.0  # at the largest size (1e7)
SPEEDUP_TARGET_SMALL = 1.0  # at the other sizes: faster than acrnalyze
MEMORY_BASE_MIB = 64
SCAN_SHARE_TARGET = 0.80  # of the streaming pass, one thread
THREADS_SHARE_TARGET = 0.90  # of the streaming pass, one thread per file
TIMELINE_S_TARGET = 2.0
TIMELINE_MIB_TARGET = 256
TSC_MHZ = 2100


#: GNU time, to read a process's peak memory: a child forked from this (large) process would inherit
#: its high-water mark in ru_maxrss across exec, so the children are started from GNU time instead.
GNU_TIME = "/usr/bin/time"


def run_process(cmd, env=None):
    """(wall seconds, peak RSS in MiB, nan without GNU time) of one process; raises RuntimeError if it
    fails."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        wrapped = [GNU_TIME, "-q", "-f", "%M", "-o", rss.name] + list(cmd) if os.access(GNU_TIME, os.X_OK) else cmd
        start = time.perf_counter()
        done = subprocess.run(wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (" ".join(map(str, cmd)), done.returncode,
                                                       done.stderr.decode()[-400:]))
        text = rss.read().strip().splitlines()
    return elapsed, (int(text[-1]) / 1024.0 if wrapped is not cmd and text else float("nan"))


def build_capture(folder: Path, records: int, cpus: int) -> Path:
    from acrn.trace import synth, writer

    return writer.write_capture(folder / "acrntrace" / "20240101-000000",
                                synth.synth_capture(records, n_cpus=cpus, seed=1), tsc_khz=TSC_MHZ * 1000)


def end_to_end(cap: Path, cpus: int, report: str, acrnalyze, repeats: int, out_dir: Path, env):
    """{'model': (median s, peak MiB), 'acrnalyze': (median s, peak MiB) or None}."""
    model_t, model_m, ref_t, ref_m = [], [], [], []
    model = [sys.executable, "-m", "acrn.cli", "analyze", str(cap), "--report", report]
    run_process(model, env)  # the page cache and the .pyc files get warm
    if acrnalyze:
        run_process([sys.executable, acrnalyze, "-i", str(cap / "0"), "-o", str(out_dir / "acrnalyze-warm"), "-f",
                     str(TSC_MHZ), "--" + report], env)
    for _ in range(repeats):
        t, m = run_process(model, env)
        model_t.append(t)
        model_m.append(m)
        if acrnalyze:
            total, peak = 0.0, 0.0
            for cpu in range(cpus):
                t, m = run_process([sys.executable, acrnalyze, "-i", str(cap / str(cpu)), "-o",
                                    str(out_dir / ("acrnalyze-%s-%d" % (report, cpu))), "-f", str(TSC_MHZ),
                                    "--" + report], env)
                total += t
                peak = max(peak, m)
            ref_t.append(total)
            ref_m.append(peak)
    return {"model": (statistics.median(model_t), max(model_m)),
            "acrnalyze": (statistics.median(ref_t), max(ref_m)) if acrnalyze else None}


def _median_time(func, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_process(cap_path: Path, repeats: int) -> dict:
    """Records/s of the vm_exit scan and of the streaming pass, one thread and one thread per file."""
    from concurrent.futures import ThreadPoolExecutor

    from acrn.trace import analysis, reader, scan
    from acrn.trace import tables as t
    from acrn.trace.results import VmExitStats

    cap = reader.read_capture(cap_path)
    words = [tf.words() for tf in cap.files]  # the memory maps
    loops = analysis.Loops(scan)
    n = cap.n_records

    def scan_one(w):
        loops.vm_exit_scan_chunk(w, t.new_state(), VmExitStats())

    def stream_one(w):
        w[:, 1].sum()

    def serial(func):
        return lambda: [func(w) for w in words]

    def threaded(func):
        def run():
            with ThreadPoolExecutor(len(words)) as pool:
                list(pool.map(func, words))
        return run

    def report_path(threads):  # as `analyze` runs it: each file read() through its 4 MiB buffer
        return lambda: analysis.analyze_vm_exit(cap, "compiled", threads=threads)

    serial(stream_one)()  # fault every page in, warm the caches
    serial(scan_one)()
    out = {}
    for name, func in (("scan, 1 thread", serial(scan_one)), ("stream, 1 thread", serial(stream_one)),
                       ("scan, %d threads" % len(words), threaded(scan_one)),
                       ("stream, %d threads" % len(words), threaded(stream_one)),
                       ("analyze, 1 thread", report_path(False)),
                       ("analyze, %d threads" % analysis.file_workers(cap.files), report_path(True))):
        out[name] = n / _median_time(func, repeats)
    return out


def main():
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_trace", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1e5,1e6,1e7", help="capture sizes in records, comma-separated")
    ap.add_argument("--cpus", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--acrnalyze", default=os.environ.get("ACRNALYZE"),
                    help="ACRN's acrnalyze.py (default: $ACRNALYZE); without it only acrn.trace is measured")
    ap.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = ap.parse_args(sys.argv[1:])
    sizes = [int(float(x)) for x in args.sizes.split(",")]
    if args.acrnalyze and not Path(args.acrnalyze).is_file():
        print("bench_trace: --acrnalyze %s: no such file" % args.acrnalyze, file=sys.stderr)
        return 2

    import numpy as np

    from acrn.trace import backend
    from acrn.trace.reader import CHUNK_RECORDS

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([p for p in sys.path if p] + [env.get("PYTHONPATH", "")])
    # Both tools run as installed: with their .pyc files (PYTHONDONTWRITEBYTECODE would make every
    # process compile every module from source again, which an installed package never does).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    chunk_mib = CHUNK_RECORDS * 32 / 2**20
    results = {"sizes": sizes, "cpus": args.cpus, "end_to_end": {}, "in_process": None, "timeline": None}
    print("acrn.trace benchmark: captures of %s records over %d pCPU files; %s, %d CPUs, python %s, numpy %s; "
          "analyze backend: %s; median of %d runs"
          % (", ".join("%.0e" % s for s in sizes), args.cpus, platform.machine(), os.cpu_count(),
             platform.python_version(), np.__version__, backend.resolve_backend("auto", max(sizes)), args.repeats))
    if not args.acrnalyze:
        print("acrnalyze.py not given (--acrnalyze PATH or $ACRNALYZE): end-to-end ratios not measured")
    with tempfile.TemporaryDirectory(prefix="bench_trace.") as tmp:
        tmp = Path(tmp)
        caps = {n: build_capture(tmp / str(n), n, args.cpus) for n in sizes}
        print()
        print("End to end, whole processes (acrn-model analyze vs acrnalyze.py once per pCPU file)")
        head = "%-10s %-10s %10s %10s %9s %-12s %9s %9s  %s" % (
            "records", "report", "model s", "acrnalyze", "speed-up", "target", "model MiB", "acrn MiB", "memory")
        print(head)
        print("-" * len(head))
        for n in sizes:
            for report in REPORTS:
                r = end_to_end(caps[n], args.cpus, report, args.acrnalyze, args.repeats, tmp, env)
                (mt, mm), ref = r["model"], r["acrnalyze"]
                target = SPEEDUP_TARGET_LARGE if n == max(sizes) and n >= 10**7 else SPEEDUP_TARGET_SMALL
                if ref:
                    ratio = ref[0] / mt
                    verdict = "%s >= %.0fx" % ("met" if ratio >= target else "MISSED", target) if target > 1 else \
                        "%s > 1x" % ("met" if ratio > 1 else "MISSED")
                    ref_cells = "%10.3f %8.1fx %-12s" % (ref[0], ratio, verdict)
                    ref_mem = "%9.1f" % ref[1]
                else:
                    ratio = None
                    ref_cells = "%10s %9s %-12s" % ("-", "-", "-")
                    ref_mem = "%9s" % "-"
                mem_ok = "met" if mm <= MEMORY_BASE_MIB + chunk_mib else "MISSED" if mm == mm else "not measured"
                print("%-10.0e %-10s %10.3f %s %9.1f %s  %s <= %d + %.0f MiB" % (
                    n, report, mt, ref_cells, mm, ref_mem, mem_ok, MEMORY_BASE_MIB, chunk_mib))
                results["end_to_end"]["%d/%s" % (n, report)] = {
                    "model_s": mt, "model_mib": mm, "acrnalyze_s": ref[0] if ref else None,
                    "acrnalyze_mib": ref[1] if ref else None, "speedup": ratio, "speedup_target": target}
        peaks = [results["end_to_end"]["%d/%s" % (n, r)]["model_mib"] for n in sizes for r in REPORTS]
        big, second = sorted(sizes)[-1], sorted(sizes)[-2] if len(sizes) > 1 else sorted(sizes)[-1]
        for report in REPORTS:  # from the second-largest size on, the chunk buffers have their full size
            grow = (results["end_to_end"]["%d/%s" % (big, report)]["model_mib"]
                    - results["end_to_end"]["%d/%s" % (second, report)]["model_mib"])
            print("peak memory of %s, %.0e vs %.0e records: %+.1f MiB (%s: independent of the capture size "
                  "within one chunk, %.0f MiB)" % (report, big, second, grow,
                                                   "met" if grow <= chunk_mib else "MISSED", chunk_mib))
        print("largest peak: %.1f MiB" % max(peaks))

        print()
        big = caps[max(sizes)]
        rates = in_process(big, args.repeats)
        results["in_process"] = rates
        print("In process, vm_exit scan over the page-cached memory map of %.0e records (load average %.1f)"
              % (max(sizes), os.getloadavg()[0]))
        names = list(rates)
        for name in names:
            print("  %-22s %8.1f M records/s" % (name, rates[name] / 1e6))
        one = rates[names[0]] / rates[names[1]]
        many = rates[names[2]] / rates[names[3]]
        print("  scan / stream, 1 thread:   %5.1f %%  (%s >= %.0f %%)"
              % (100 * one, "met" if one >= SCAN_SHARE_TARGET else "MISSED", 100 * SCAN_SHARE_TARGET))
        print("  scan / stream, %d threads:  %5.1f %%  (%s >= %.0f %%)"
              % (args.cpus, 100 * many, "met" if many >= THREADS_SHARE_TARGET else "MISSED",
                 100 * THREADS_SHARE_TARGET))
        print("  analyze's vm_exit scans (files read into a buffer), %s / 1 thread: %.2fx"
              % (names[5].split(", ")[1], rates[names[5]] / rates[names[4]]))

        print()
        out = tmp / "timeline.json"
        tl_s, tl_mib = run_process([sys.executable, "-m", "acrn.cli", "timeline", str(big), "-o", str(out)], env)
        size_mib = out.stat().st_size / 2**20
        results["timeline"] = {"s": tl_s, "mib": tl_mib, "output_mib": size_mib}
        print("timeline of %.0e records (default --max-events): %.2f s (%s <= %.0f s), peak %.1f MiB (%s <= %d MiB), "
              "wrote %.0f MiB" % (max(sizes), tl_s, "met" if tl_s <= TIMELINE_S_TARGET else "MISSED",
                                  TIMELINE_S_TARGET, tl_mib, "met" if tl_mib <= TIMELINE_MIB_TARGET else "MISSED",
                                  TIMELINE_MIB_TARGET, size_mib))
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
