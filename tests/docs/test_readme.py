"""The README's figures are what the model gives now, and its examples do what it says."""
import importlib.util
import os

import pytest
from click.testing import CliRunner

import acrn
from acrn.cli import main
from acrn.plugin import default_registry

ROOT = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir)
README = os.path.join(ROOT, "README.md")


def _readme():
    with open(README, encoding="utf-8") as f:
        return f.read()


def _generator():
    spec = importlib.util.spec_from_file_location("gen_readme", os.path.join(ROOT, "docs", "gen_readme.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not acrn.compiled(), reason="compiled and interpreted runs are byte-identical (tests/core/"
                                                "test_mode.py); the README is regenerated in the compiled pass")
def test_readme_figures_are_what_the_generator_gives_now():
    gen = _generator()
    text = _readme()
    names = {m.group("name") for m in gen.MARK.finditer(text)}
    assert names == set(gen.SECTIONS)  # every figure is marked, and generated
    assert gen.render(text) == text, "README figures are stale: run `make readme`"


def test_the_generator_rewrites_a_marked_section_and_leaves_the_prose(tmp_path):
    gen = _generator()
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- gen:design-table -->\nstale\n<!-- /gen:design-table -->\noutro\n")
    assert gen.main(["--check", "--readme", str(readme)]) == 1
    assert gen.main(["--readme", str(readme)]) == 0
    text = readme.read_text()
    assert text.startswith("intro\n<!-- gen:design-table -->\n| design | what it is |") and text.endswith(
        "<!-- /gen:design-table -->\noutro\n")
    assert "| `nmi-vnmi` |" in text and "stale" not in text
    assert gen.main(["--check", "--readme", str(readme)]) == 0


def test_unknown_sections_are_refused(tmp_path):
    gen = _generator()
    with pytest.raises(SystemExit, match="unknown section"):
        gen.render("<!-- gen:nope -->\n<!-- /gen:nope -->\n")


def _scenario_example():
    text = _readme()
    start = text.index('```toml\nname = "my-host"')
    return text[start + len("```toml\n"):text.index("```", start + 7)]


def test_the_workload_kinds_comment_lists_every_kind():
    line = [l for l in _scenario_example().splitlines() if l.strip().startswith('kind = "')][0]
    kinds = line.split("#", 1)[1].split()
    assert sorted(kinds) == sorted(default_registry().guest_kinds)


def test_my_host_example_exits_as_the_readme_says(tmp_path):
    path = tmp_path / "my-host.toml"
    path.write_text(_scenario_example())
    assert CliRunner().invoke(main, ["run", str(path), "--design", "nmi", "--seed", "3"]).exit_code == 1
    assert CliRunner().invoke(main, ["run", str(path), "--design", "nmi-vnmi", "--seed", "3"]).exit_code == 0


def test_usage_examples_are_commands_not_pipes():
    block = _readme().split("## Using it", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    for line in block.splitlines():
        command = line.split("#", 1)[0]
        assert "|" not in command, line
        words = command.split()[1:]
        assert words[0] in main.commands, line
