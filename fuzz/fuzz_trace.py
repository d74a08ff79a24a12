"""Fuzz targets for the trace commands: ``analyze`` (every report, exact and acrnalyze-compat) and
``timeline`` on captures built from the input bytes, run in-process through the ``analyze``/``timeline``
click commands.

The bytes become records: every 16 input bytes give one record whose event id is drawn from the ids the
analyses know (plus unknown ones), whose TSC steps forward, backwards, to 0 or past 2**63, and whose
payload and MODEL_TSC_FREQ values include 0, 2**64-1 and huge ones; the first byte chooses how many pCPU
files (one of them sometimes named ``00`` beside ``0``), whether ``--tsc-mhz`` is given and whether the
report is acrnalyze-compat.  A failure is what a user must never see: a traceback (an exception out of the
command), an exit status other than 0 or 2 (bad input), ``--json`` output that is not strict JSON, a
timeline file written by a run that failed, or a timeline that is not strict JSON.
"""
import json
import os
import shutil
import struct
import tempfile

from click.testing import CliRunner

from acrn.cli.trace import analyze, timeline
from acrn.trace import events as ev
from acrn.trace import format as fmt

WORK = tempfile.mkdtemp(prefix="acrn-fuzz-trace-")
IDS = ([ev.TRACE_VM_EXIT] * 5 + [ev.TRACE_VM_ENTER] * 5 + list(ev.ACRNALYZE_VMEXIT_IDS)
       + [ev.TRACE_SCHED_NEXT, ev.VCPU_RUN, ev.MODEL_TSC_FREQ, ev.KICK_SENT, ev.REQUEST_MADE, ev.REQUEST_HANDLED,
          ev.GUEST_INTERRUPT, ev.INVARIANT_VIOLATION, 0x33, 0x10005, ev.MODEL_EVENT_LAST + 1])
SPECIAL = (0, 1, 2100000, (1 << 63) - 1, 1 << 63, (1 << 64) - 1, int.from_bytes(b"vm1:idle", "little"),
           int.from_bytes(b"idlevm0:", "little"))
U64 = (1 << 64) - 1


def records(data: bytes) -> list:
    """(tsc, id word, e, f) rows from the input bytes."""
    rows, tsc = [], 1000
    for i in range(0, len(data) - 15, 16):
        b = data[i:i + 16]
        step = b[0] % 8
        if step == 0:
            tsc -= b[1] * 10  # backwards
        elif step == 1:
            tsc = 0
        elif step == 2:
            tsc = (1 << 63) + b[1]
        else:
            tsc += b[1] * 50
        eid = IDS[b[2] % len(IDS)]
        word = fmt.pack_id(eid, ev.BY_ID[eid].n_data if eid in ev.BY_ID else 2, b[3])
        e = SPECIAL[b[4] % len(SPECIAL)] if b[5] < 64 else struct.unpack("<Q", b[8:16])[0]
        f = struct.unpack("<I", b[4:8])[0]
        rows.append((tsc & U64, word, e & U64, f))
    return rows


def make_capture(data: bytes) -> tuple:
    """(capture folder, extra options) for one input."""
    folder = tempfile.mkdtemp(prefix="cap-", dir=WORK)
    head = data[0] if data else 0
    rows = records(data[1:])
    n_files = 1 + head % 3
    for cpu in range(n_files):
        mine = rows[cpu::n_files]
        with open(os.path.join(folder, str(cpu)), "wb") as fh:
            fh.write(b"".join(struct.pack("<4Q", *r) for r in mine))
            if head & 0x40:
                fh.write(b"\x01\x02\x03")  # a trailing partial record
    if head & 0x80 and n_files > 1:
        shutil.copy(os.path.join(folder, "0"), os.path.join(folder, "00"))
    extra = ["--tsc-mhz", "2000"] if head & 0x08 else []
    return folder, extra, bool(head & 0x10)


def _strict_json(text: str):
    def refuse(name):
        raise ValueError("not JSON: %s" % name)

    return json.loads(text, parse_constant=refuse)


def _check(result, what):
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError("%s: %s: %s" % (what, type(result.exception).__name__, result.exception)) \
            from result.exception
    if result.exit_code not in (0, 2):
        raise AssertionError("%s: exit status %d: %s" % (what, result.exit_code, result.output[-300:]))


def _analyze(report: str):
    def target(data: bytes) -> bool:
        folder, extra, compat = make_capture(data)
        try:
            args = [folder, "--report", report, "--json"] + extra + (["--acrnalyze-compat"] if compat else [])
            result = CliRunner().invoke(analyze, args)
            _check(result, "analyze --report %s" % report)
            if result.exit_code == 0:
                _strict_json(result.stdout)
            return result.exit_code == 0  # the report was computed (counted as "reached")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return target


def fuzz_timeline(data: bytes) -> bool:
    folder, extra, _ = make_capture(data)
    out = folder + ".json"
    try:
        result = CliRunner().invoke(timeline, [folder, "-o", out, "--max-events", "500"] + extra)
        _check(result, "timeline")
        if result.exit_code == 0:
            with open(out) as fh:
                _strict_json(fh.read())
            return True  # the timeline was written (counted as "reached")
        elif os.path.exists(out):
            raise AssertionError("timeline failed (%d) but wrote %s" % (result.exit_code, out))
        return False
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if os.path.exists(out):
            os.unlink(out)


TARGETS = {"trace-analyze-%s" % r: _analyze(r) for r in ("vm_exit", "irq", "cpu_usage", "latency")}
TARGETS["trace-timeline"] = fuzz_timeline
#: Seed inputs (model-shaped captures: VM exits, entries, handler events), their first byte giving 1-3 pCPU
#: files, ``--tsc-mhz`` on most (without it and without a MODEL_TSC_FREQ record a capture is refused) and
#: acrnalyze-compat on some.
SEEDS = [bytes([(0x08 if i % 5 else 0) | (0x10 if i % 4 == 1 else 0) | i % 3])
         + b"".join(bytes([3, 10, (i + k) % len(IDS), 0, 70, 200, 0, 0] + [0] * 8) for k in range(1 + i % 8))
         for i in range(40)]
