"""Run every benchmark: ``python -m benchmarks [NAME ...] [-- ARGS ...]``.

Each ``bench_*.py`` module of this package is imported and its ``main()`` called, in name order.
``NAME`` (``engine`` or ``bench_engine``) selects modules; ``ARGS`` after ``--`` are handed to every
selected module as its command line (``sys.argv[1:]``), e.g. ``python -m benchmarks engine -- --json``.
A module that fails is reported and the others still run; the exit status is non-zero if any failed.
"""
import importlib
import os
import pkgutil
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


def bench_modules():
    """Names of the ``bench_*`` modules beside this file, sorted."""
    return sorted(m.name for m in pkgutil.iter_modules([HERE]) if m.name.startswith("bench_"))


def _run_one(name, args):
    module = importlib.import_module("%s.%s" % (__package__ or "benchmarks", name))
    main = getattr(module, "main", None)
    if not callable(main):
        print("benchmarks: %s has no main(); skipped" % name, file=sys.stderr)
        return 0
    saved = sys.argv
    sys.argv = [module.__file__] + list(args)  # a main() that parses sys.argv sees only its own arguments
    try:
        rc = main()
    except SystemExit as exc:
        rc = exc.code
    finally:
        sys.argv = saved
    if rc is None or rc is True:
        return 0
    return rc if isinstance(rc, int) else 1


def run(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" in argv:
        i = argv.index("--")
        names, args = argv[:i], argv[i + 1:]
    else:
        names, args = argv, []
    available = bench_modules()
    if any(n in ("-h", "--help") for n in names):
        print(__doc__.strip())
        print("\nbenchmarks: %s" % ", ".join(available))
        return 0
    selected = []
    for n in names:
        full = n if n.startswith("bench_") else "bench_" + n
        if full not in available:
            print("benchmarks: no module %r (available: %s)" % (n, ", ".join(available)), file=sys.stderr)
            return 2
        selected.append(full)
    failed = []
    for name in selected or available:
        print("=== benchmarks.%s ===" % name, file=sys.stderr, flush=True)
        try:
            rc = _run_one(name, args)
        except Exception:  # one broken benchmark must not hide the others
            traceback.print_exc()
            rc = 1
        if rc:
            failed.append(name)
    if failed:
        print("benchmarks: failed: %s" % ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(run())
