"""Fuzz target ``cli``: ``acrn-model`` argument vectors built from the input bytes, run in-process.

Each byte picks a token (a command, an option, a value, an odd path) or, for a few byte values, takes
the next bytes as a raw argument.  A failure is what a user must never see: an exit status outside the
table (0 ok, 1 violation, 2 bad input, 3 incomplete), the internal-error status 4, a traceback, a bad
input without exactly one ``acrn-model: error:`` line, or ``--json`` output that is not JSON.  Runs are
kept short: a 20 us scenario, explorations capped at a few runs (appended last, so they win), mostly
``--json`` (the terminal tables would take most of the time).
"""
import atexit
import json
import os
import shutil
import signal
import tempfile

from click.testing import CliRunner

from acrn.cli import main

WORK = tempfile.mkdtemp(prefix="acrn-fuzz-cli-", dir=os.environ.get("ACRN_FUZZ_TMP"))
atexit.register(shutil.rmtree, WORK, True)
TINY = os.path.join(WORK, "tiny.toml")
with open(TINY, "w") as _fh:
    _fh.write('duration_us = 20\nseed = 2\npcpus = 4\n[[vm]]\nname = "sos"\nservice = true\npcpus = [0]\n'
              '  [[vm.work]]\n  kind = "ept_update"\n  every_us = [3, 6]\n  args = ["rtvm"]\n'
              '[[vm]]\nname = "rtvm"\nlapic_pt = true\npcpus = [2, 3]\n'
              '  [[vm.work]]\n  kind = "wrmsr"\n  every_us = [2, 4]\n  args = [0x6E0, 0]\n')
NOT_UTF8 = os.path.join(WORK, "latin1.toml")
with open(NOT_UTF8, "wb") as _fh:
    _fh.write(b'name = "caf\xe9"\n')
A_FILE = os.path.join(WORK, "a-file")
open(A_FILE, "w").close()
TRACES = os.path.join(WORK, "traces")
KEEP = {os.path.basename(p) for p in (TINY, NOT_UTF8, A_FILE)}  # all else in WORK is removed after each input

COMMANDS = ["run", "explore", "replay"] * 4 + ["designs", "scenarios", "plugins"]
SCENARIOS = [TINY, TINY, TINY, TINY, NOT_UTF8, A_FILE, WORK, "nope", "", "\x00"]  # runs stay short: no built-in
DESIGNS = ["nmi", "nmi-nowindow", "ipi", "init", "nmi-vnmi", "nope", ""]
OPTIONS = ["--design", "-d", "--seed", "--json", "--trace", "--cost", "--strategy", "--bound", "--max-states",
           "--max-runs", "--horizon-us", "--choices", "--help", "--nope"]
VALUES = ["nmi", "nope", TINY, NOT_UTF8, A_FILE, WORK, A_FILE + "/sub", "/proc/acrn-fuzz", TRACES, TRACES,
          "0", "1", "-1", "3", "-0", "nan", "inf", "-inf", "1e308", "1e-320", "18446744073709551616", "9" * 30, "0x10",
          "", " ", "dfs", "pct", "random", "x1:3=5", "x1:0=0,x2:1=1", "x", "nmi_delivery=5", "nmi_delivery=1:0",
          "nmi_delivery=-1", "vmx_exit=10:20", "nmi_delivery=" + "9" * 40, "nope=1", "0.001", "20", "\x00", "\xff",
          "x1:3=" + "9" * 30, "x1:3=" + "9" * 5000, "9" * 5000]
GLOBALS = [["--debug"], ["-p", "os"], ["-p", "no.such.module"], ["--plugin-timeout", "nan"],
           ["--plugin-timeout", "0"], ["--plugin-timeout", "-1"], ["--version"]]
RAW = 240  # a value byte from here on: the next (byte % 16) bytes are one raw argument
CAPS = {"explore": ["--max-runs", "3", "--max-states", "400"]}
SEEDS = (bytes([0, 0, 0, 0]), bytes([0, 1, 0, 0, 6, 27]), bytes([0, 2, 0, 0, 11, 28]), bytes([0, 0, 0, 0, 3, 0]))


def argv_of(data):
    """[globals] COMMAND [SCENARIO --design D] (OPTION VALUE)*, each piece picked by one byte."""
    data = data + bytes(4 - min(len(data), 4))
    g, c, sc, d = data[:4]
    args = list(GLOBALS[g % len(GLOBALS)]) if g >= 128 else []
    command = COMMANDS[c % len(COMMANDS)]
    args.append(command)
    if command in ("run", "explore", "replay"):
        args.append(SCENARIOS[sc % len(SCENARIOS)])
        if d < 240:
            args += ["--design", DESIGNS[d % len(DESIGNS)]]
        if command == "replay":
            args += ["--choices", "x1:3=5"]
        if d % 8:  # mostly --json: the terminal tables cost ten times the run (and --json's output is checked)
            args.append("--json")
    i = 4
    while i < len(data) and len(args) < 24:
        args.append(OPTIONS[data[i] % len(OPTIONS)])
        i += 1
        if i >= len(data):
            break
        b = data[i]
        i += 1
        if b >= RAW:
            n = data[i] % 16 if i < len(data) else 0
            # "replace": a real shell passes undecodable bytes as surrogates, which the real streams print
            # (acrn-model run --trace $'\xff' works) but CliRunner's strict UTF-8 streams cannot
            args.append(data[i + 1:i + 1 + n].decode("utf-8", "replace"))
            i += 1 + n
        else:
            args.append(VALUES[b % len(VALUES)])
    if command in CAPS:
        args += CAPS[command]
    return args


def cli(data):
    args = argv_of(data)
    sigterm = signal.getsignal(signal.SIGTERM)
    cwd = os.getcwd()
    os.chdir(WORK)  # relative paths (``--trace nan``) land in the target's folder
    try:
        res = CliRunner().invoke(main, args, prog_name="acrn-model")
    finally:
        os.chdir(cwd)
        signal.signal(signal.SIGTERM, sigterm)  # the command installs its own; the campaign stays killable
        for entry in os.listdir(WORK):
            if entry not in KEEP:
                shutil.rmtree(os.path.join(WORK, entry), ignore_errors=True)
    status = res.exit_code
    where = "acrn-model %s -> status %s" % (" ".join(repr(a) for a in args), status)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise AssertionError("%s: uncaught %s: %s" % (where, type(res.exception).__name__, res.exception))
    if "Traceback" in res.output:
        raise AssertionError("%s: a traceback" % where)
    if status not in (0, 1, 2, 3):
        raise AssertionError("%s: %s" % (where, res.stderr.strip()[-300:]))
    if status == 2:
        lines = [line for line in res.stderr.splitlines() if line.strip()]
        if len(lines) != 1 or not lines[0].startswith("acrn-model: error: "):
            raise AssertionError("%s: not one error line: %r" % (where, res.stderr[-300:]))
    reached = status in (0, 1, 3)
    if status in (0, 1) and "--json" in args and "--help" not in args and "--version" not in args \
            and any(c in args for c in ("run", "explore", "replay")):
        try:
            json.loads(res.stdout, parse_constant=_no_constant)
        except ValueError as exc:
            raise AssertionError("%s: invalid JSON: %s" % (where, exc)) from None
    return reached


def _no_constant(name):
    raise ValueError("%s is not JSON" % name)


TARGETS = {"cli": cli}
