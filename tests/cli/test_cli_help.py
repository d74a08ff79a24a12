"""Every option has help text, every command's help shows two examples, completion knows the names."""
import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from acrn.cli import main
from acrn.plugin import default_registry
from acrn.scenarios import builtin_names

COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_has_help(name):
    cmd = main.commands[name]
    missing = [p.name for p in cmd.params if isinstance(p, click.Option) and not p.help]
    assert not missing, "%s: options without help: %s" % (name, missing)


@pytest.mark.parametrize("name", COMMANDS)
def test_help_shows_two_examples_that_parse(name):
    out = CliRunner().invoke(main, [name, "--help"])
    assert out.exit_code == 0
    text = out.output
    examples = [line.strip() for line in text[text.index("Examples:"):].splitlines()[1:] if line.strip()]
    assert len(examples) >= 2 and all(e.startswith("acrn-model ") for e in examples[:2]), text
    for example in examples[:2]:  # each parses: its options exist and take the values given
        words = example.split()
        main.commands[name].make_context(name, words[words.index(name) + 1:])


def _complete(words, cword):
    env = dict(os.environ, COMP_WORDS=" ".join(words), COMP_CWORD=str(cword), _ACRN_MODEL_COMPLETE="bash_complete")
    exe = os.path.join(os.path.dirname(sys.executable), "acrn-model")
    out = subprocess.run([exe], env=env, capture_output=True, text=True, check=True).stdout
    return [line.split(",", 1)[1] for line in out.splitlines() if line.startswith("plain,")]


def test_completion_of_scenario_and_design_names():
    assert _complete(["acrn-model", "run", "kick"], 2) == ["kick-race"]
    assert set(_complete(["acrn-model", "explore", "x", "--design", ""], 4)) == set(default_registry().designs)
    assert set(_complete(["acrn-model", "demo", "-s", ""], 3)) == set(builtin_names())
