"""docs/porting.md runs: every `acrn-model ...` command in its ```sh blocks is run (click's CliRunner) and must
give the exit status and the verdicts written on the comment line after it.

Expectation grammar (one comment line after each command):
    # exit N[: invariant VERDICT, invariant VERDICT ...][; shows "text"]
Verdicts of `run` commands are read from its --json output; "shows" checks the command's output.
"""
import json
import os
import re
import shlex

import pytest
from click.testing import CliRunner

from acrn.cli import main

GUIDE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "docs", "porting.md")
EXPECT = re.compile(r'^# exit (\d+)(?::\s*(?P<verdicts>[^;]+))?(?:;\s*shows "(?P<shows>[^"]+)")?\s*$')
VERDICT = re.compile(r"^([a-z-]+) (PASS|FAIL|-)$")
LADDER = ("ipi", "nmi-naive", "nmi-nowindow", "nmi-window", "nmi-s5", "nmi-series", "nmi")


def sh_blocks(text):
    """The contents of the ```sh fences, in order."""
    return re.findall(r"^```sh\n(.*?)^```", text, flags=re.M | re.S)


def guide_commands():
    """[(command line, exit status, {invariant: verdict}, text it shows or None)] from docs/porting.md."""
    with open(GUIDE) as fh:
        text = fh.read()
    out = []
    for block in sh_blocks(text):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        for i, line in enumerate(lines):
            if not line.startswith("acrn-model "):
                continue
            assert i + 1 < len(lines), "docs/porting.md: %r has no '# exit' line after it" % line
            match = EXPECT.match(lines[i + 1])
            assert match, "docs/porting.md: expected '# exit N[: inv VERDICT, ...][; shows \"...\"]' after %r, " \
                          "got %r" % (line, lines[i + 1])
            verdicts = {}
            for part in (match.group("verdicts") or "").split(","):
                if part.strip():
                    v = VERDICT.match(part.strip())
                    assert v, "docs/porting.md: bad verdict %r after %r" % (part, line)
                    verdicts[v.group(1)] = v.group(2)
            out.append((line, int(match.group(1)), verdicts, match.group("shows")))
    return out


COMMANDS = guide_commands()


def test_the_guide_has_runnable_steps_for_every_design_of_the_ladder():
    designs_used = [shlex.split(cmd)[shlex.split(cmd).index("--design") + 1] for cmd, *_ in COMMANDS
                    if "--design" in cmd]
    assert len(COMMANDS) >= 15
    for design in LADDER:
        assert design in designs_used, "no step of docs/porting.md runs design %s" % design
    first_use = [designs_used.index(d) for d in LADDER]
    assert first_use == sorted(first_use), "the guide must walk the ladder in order: %s" % (LADDER,)


def test_the_ladder_designs_are_registered_and_differ_one_step_at_a_time():
    from acrn.plugin import Registry, get_plugin_manager

    designs = Registry(get_plugin_manager(autoload=False)).designs
    changed = []
    for before, after in zip(LADDER, LADDER[1:]):
        a, b = designs[before].describe(), designs[after].describe()
        changed.append(sorted(k for k in a if k not in ("name", "summary") and a[k] != b[k]))
    assert changed == [
        ["kick_mode", "lapic_pt_nmi_exiting"],  # patch 1
        ["notification_nmi"],  # patch 2
        ["handle_nmi"],  # patch 3
        ["sleep_mode"],  # patch 4
        ["init_exit"],  # patch 5
        ["guest_nmi", "smp_call"],  # the to-dos
    ]


@pytest.mark.parametrize("command,status,verdicts,shows", COMMANDS, ids=[c for c, *_ in COMMANDS])
def test_guide_command(command, status, verdicts, shows):
    args = shlex.split(command)[1:]
    if verdicts:
        assert args[0] == "run", "verdicts can only be claimed for `run`: %s" % command
        args = args + ["--json"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == status, "%s\n%s" % (command, res.output[-2000:])
    if verdicts:
        got = {name: v["verdict"] for name, v in json.loads(res.output)["verdicts"].items()}
        assert {name: got.get(name) for name in verdicts} == verdicts, command
    if shows:
        assert shows in res.output, "%s: %r not in its output" % (command, shows)
