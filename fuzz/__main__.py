"""The fuzz runner: ``python -m fuzz [TARGET...] [--inputs N] [--engine atheris|hypothesis] [--seed S]``.

Every target of every ``fuzz/fuzz_*.py`` module (its ``TARGETS`` dict) runs in a child process of its own
(libFuzzer, under atheris, never returns from its loop).  The child counts the inputs it tried and the
failures (an exception out of the target), keeps the first few failing inputs, and writes the counts as
JSON; the runner prints one line per target and exits 1 when any target failed, 0 otherwise.

Engines: ``atheris`` (coverage-guided: libFuzzer mutates the inputs, guided by the coverage of the
instrumented pure-Python modules (``acrn``'s loader and CLI, ``tomllib``, ``click``; the compiled core
runs as built); seeds from the target module's ``SEEDS``, tokens from its ``DICTIONARY``), used when it
imports; otherwise
``hypothesis`` (``st.binary()`` plus the seeds' mutations, no shrinking, no database).  The core runs
compiled unless ``ACRN_MODEL_PURE=1`` is set, as everywhere.
"""
import argparse
import glob
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_INPUTS = 100_000
TMP_ENV = "ACRN_FUZZ_TMP"  # the runner's temporary folder, removed after each target: targets put files there
KEEP_FAILURES = 5  # failing inputs kept (and printed) per target
PROGRESS_EVERY = 5000  # inputs between two writes of the counts


def target_modules():
    """{target name: module name} over every fuzz/fuzz_*.py, in file order."""
    out = {}
    for path in sorted(glob.glob(os.path.join(HERE, "fuzz_*.py"))):
        modname = "fuzz." + os.path.basename(path)[:-3]
        for name in importlib.import_module(modname).TARGETS:
            if name in out:
                raise SystemExit("fuzz: target %r is defined by %s and %s" % (name, out[name], modname))
            out[name] = modname
    return out


def have_atheris():
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


class Counter:
    """Calls the target on each input, counting inputs and failures (the target's exceptions)."""

    def __init__(self, fn, limit, out_path):
        self.fn, self.limit, self.out_path = fn, limit, out_path
        self.inputs = 0
        self.accepted = 0  # inputs the target says got past the input checks (it returned True)
        self.failures = 0
        self.examples = []
        self.started = time.monotonic()

    def __call__(self, data):
        if self.inputs >= self.limit:
            return
        self.inputs += 1
        try:
            if self.fn(bytes(data)):
                self.accepted += 1
        except Exception:
            self.failures += 1
            if len(self.examples) < KEEP_FAILURES:
                self.examples.append({"input": bytes(data)[:2000].hex(),
                                      "error": traceback.format_exc(limit=-3).strip().splitlines()[-1]})
        if self.inputs >= self.limit or self.inputs % PROGRESS_EVERY == 0:
            self.write()  # the counts so far: a long campaign can be watched (and a killed one read)

    def write(self):
        tmp = self.out_path + ".part"
        with open(tmp, "w") as fh:
            json.dump({"inputs": self.inputs, "accepted": self.accepted, "failures": self.failures, "examples": self.examples,
                       "seconds": round(time.monotonic() - self.started, 1), "done": self.inputs >= self.limit}, fh)
        os.replace(tmp, self.out_path)


def child(target, modname, n_inputs, engine, seed, out_path):
    """Run one target in this process (``python -m fuzz --child ...``)."""
    if engine == "atheris":
        import atheris

        with atheris.instrument_imports(include=["acrn", "tomllib", "click"]):
            module = importlib.import_module(modname)
        counter = Counter(module.TARGETS[target], n_inputs, out_path)

        def one(data):
            counter(data)
            if counter.inputs >= n_inputs:
                os._exit(0)  # libFuzzer would go on: the counts are written
        corpus = tempfile.mkdtemp(prefix="corpus-", dir=os.environ.get(TMP_ENV))
        for i, s in enumerate(getattr(module, "SEEDS", ())):
            with open(os.path.join(corpus, "seed%d" % i), "wb") as fh:
                fh.write(s)
        flags = ["-runs=%d" % (n_inputs + 1), "-seed=%d" % (seed + 1), "-max_len=4096", "-rss_limit_mb=4096",
                 "-close_fd_mask=3"]
        tokens = getattr(module, "DICTIONARY", ())
        if tokens:  # libFuzzer splices these tokens into its mutations
            path = os.path.join(corpus, "..", "tokens.dict")
            with open(path, "w") as fh:
                fh.writelines('"%s"\n' % "".join("\\x%02x" % b for b in token) for token in tokens)
            flags.append("-dict=" + os.path.abspath(path))
        atheris.Setup([sys.argv[0]] + flags + [corpus], one)
        atheris.Fuzz()
        counter.write()
        return
    from hypothesis import HealthCheck, Phase, given, settings, strategies as st

    module = importlib.import_module(modname)
    counter = Counter(module.TARGETS[target], n_inputs, out_path)
    seeds = list(getattr(module, "SEEDS", ())) or [b""]

    def mutate(draw_seed, cuts):
        data = bytearray(draw_seed)
        for pos, blob in cuts:
            pos = pos % (len(data) + 1)
            data[pos:pos + len(blob)] = blob
        return bytes(data)

    inputs = st.one_of(st.binary(max_size=512),
                       st.builds(mutate, st.sampled_from(seeds),
                                 st.lists(st.tuples(st.integers(0, 1 << 16), st.binary(max_size=8)), max_size=4)))

    @settings(max_examples=n_inputs, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), derandomize=False)
    @given(inputs)
    def run(data):
        counter(data)

    from hypothesis import seed as hseed
    hseed(seed)(run)()
    counter.write()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", metavar="TARGET", help="targets to run (default: all)")
    parser.add_argument("--inputs", type=int, default=DEFAULT_INPUTS, help="inputs per target (default %(default)s)")
    parser.add_argument("--engine", choices=("atheris", "hypothesis"), default=None,
                        help="default: atheris when it imports, else hypothesis")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--list", action="store_true", help="list the targets and exit")
    parser.add_argument("--child", nargs=3, metavar=("TARGET", "MODULE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inputs < 1 or args.seed < 0:
        parser.error("--inputs must be >= 1 and --seed >= 0")
    engine = args.engine or ("atheris" if have_atheris() else "hypothesis")
    if engine == "atheris" and not have_atheris():
        parser.error("--engine atheris: atheris is not installed")
    if args.child:  # before anything imports the targets: atheris instruments what the child imports
        target, modname, out = args.child
        child(target, modname, args.inputs, engine, args.seed, out)
        return 0
    known = target_modules()
    if args.list:
        for name, modname in known.items():
            print("%s (%s)" % (name, modname))
        return 0
    unknown = [t for t in args.targets if t not in known]
    if unknown:
        parser.error("unknown target(s) %s (known: %s)" % (", ".join(unknown), ", ".join(known)))
    total_failures = total_inputs = 0
    env = dict(os.environ)  # the mode (ACRN_MODEL_PURE) is the caller's: compiled by default
    targets = args.targets or list(known)
    width = max(len(t) for t in targets)  # one column of target names
    for target in targets:
        with tempfile.TemporaryDirectory(prefix="acrn-fuzz-") as tmp:
            out = os.path.join(tmp, "result.json")
            env[TMP_ENV] = tmp
            cmd = [sys.executable, "-m", "fuzz", "--child", target, known[target], out,
                   "--inputs", str(args.inputs), "--engine", engine, "--seed", str(args.seed)]
            # the child works in the temporary folder: relative paths a target passes on land there
            env["PYTHONPATH"] = os.pathsep.join(filter(None, (os.path.dirname(HERE), os.environ.get("PYTHONPATH"))))
            proc = subprocess.run(cmd, cwd=tmp, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
            done = False
            if os.path.exists(out):
                with open(out) as fh:
                    res = json.load(fh)
                done = res["done"]
            if not done:
                total_failures += 1
                tail = (proc.stderr or "").strip().splitlines()[-5:]
                print("%-*s %s: the child died (status %d) after %s inputs: %s"
                      % (width, target, engine, proc.returncode, res["inputs"] if os.path.exists(out) else 0,
                         " | ".join(tail)))
                sys.stdout.flush()
                continue
        total_failures += res["failures"]
        total_inputs += res["inputs"]
        print("%-*s %s: %d inputs tried, %d reached the model, %d failures (%.1f s)"
              % (width, target, engine, res["inputs"], res["accepted"], res["failures"], res["seconds"]))
        for ex in res["examples"]:
            print("    %s  input (hex) %s" % (ex["error"], ex["input"][:160]))
        sys.stdout.flush()
    print("%d targets, %d inputs tried, %d failures" % (len(targets), total_inputs, total_failures))
    return 1 if total_failures else 0


if __name__ == "__main__":
    sys.exit(main())
