"""The explorer's verdicts: a capped search is incomplete (exit 3), a finished one reports its coverage."""
import json

import pytest
from click.testing import CliRunner

from acrn.cli import main
from acrn.cli.common import EXIT_INCOMPLETE, EXIT_OK, EXIT_VIOLATION
from acrn.explore import ARRIVAL_WINDOW, Explorer
from acrn.scenarios import load_scenario


@pytest.fixture(scope="module")
def kick_race():
    return load_scenario("kick-race")


def test_a_capped_search_is_incomplete_and_says_how_far():
    out = CliRunner().invoke(main, ["explore", "kick-race", "--design", "nmi", "--bound", "2", "--max-states", "3000"])
    assert out.exit_code == EXIT_INCOMPLETE, out.output
    assert "search incomplete: explored" in out.output and "no violation within the bound" not in out.output
    assert "of the default run's" in out.output


def test_a_capped_search_in_json_is_incomplete_too():
    out = CliRunner().invoke(main, ["explore", "kick-race", "--design", "nmi", "--max-runs", "5", "--json"])
    assert out.exit_code == EXIT_INCOMPLETE
    data = json.loads(out.output)
    assert data["complete"] is False and data["violation"] is None and data["runs"] == 5


def test_random_sampling_never_claims_the_bound():
    out = CliRunner().invoke(main, ["explore", "kick-race", "--design", "nmi", "--strategy", "random",
                                    "--max-runs", "5"])
    assert out.exit_code == EXIT_INCOMPLETE and "random sampling never covers" in out.output


def test_a_violation_under_a_cap_is_still_a_finding():
    out = CliRunner().invoke(main, ["explore", "kick-race", "--design", "nmi-nowindow", "--max-runs", "200"])
    assert out.exit_code == EXIT_VIOLATION, out.output


def test_a_finished_search_reports_its_coverage(kick_race):
    result = Explorer(kick_race, "nmi").explore()
    assert result.complete and result.counterexample is None
    cov = result.coverage
    # every branching choice point of the default run was deviated at, or follows a pruned state
    assert sum(cov.deviated.values()) + result.pruned <= sum(cov.points.values())
    # each deviated point is at least one run beyond the default run (run twice, at levels 0 and 1)
    assert 0 < sum(cov.deviated.values()) <= result.runs - 2
    assert {"vmexit", "vmentry", "acrn_handle_pending_request"} <= set(cov.points)
    # kick-race's default run offers no arrival window: the text says so rather than hiding it
    assert cov.points.get(ARRIVAL_WINDOW, 0) == 0
    out = CliRunner().invoke(main, ["explore", "kick-race", "--design", "nmi"])
    assert out.exit_code == EXIT_OK
    lines = out.output.splitlines()
    assert "no violation within the bound" in lines
    assert any(line.startswith("  arrival windows  0/0") for line in lines)
    assert any(line.startswith("not searched:") for line in lines)


def test_bound_zero_explores_only_the_default_run(kick_race):
    result = Explorer(kick_race, "nmi").explore(bound=0)
    assert result.complete and result.runs == 1 and not result.coverage.deviated and not result.coverage.points
