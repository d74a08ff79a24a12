"""What every ``acrn-model`` command shares: the exit statuses, the plugin context, one-line errors.

Every error caused by input (scenario file, design name, option, plugin) is printed as one line on
stderr with the bad-input status; no output file is left half-written.
"""
import sys

import click

from acrn.errors import AcrnModelError

# The exit statuses of every command (documented in the README).
EXIT_OK = 0  # success: every invariant holds, the search finished without a violation, the report was written
EXIT_VIOLATION = 1  # a finding: an invariant was violated (run, replay, explore)
EXIT_INPUT = 2  # bad input: scenario file, trace capture, option, plugin
EXIT_INCOMPLETE = 3  # a search stopped at a cap before it covered its bound
EXIT_INTERNAL = 4  # an internal error of acrn-model (a bug): rerun with --debug for the traceback


class Context:
    """The object every command gets: the ``-p`` plugin modules and the registry built from them."""

    def __init__(self, plugins):
        self.plugins = tuple(plugins)
        self._registry = None

    @property
    def registry(self):
        if self._registry is None:
            from acrn.plugin import Registry, default_registry, get_plugin_manager

            self._registry = Registry(get_plugin_manager(self.plugins)) if self.plugins else default_registry()
        return self._registry


def fail(message):
    """One line on stderr, then the bad-input exit status."""
    click.echo("acrn-model: error: %s" % message, err=True)
    sys.exit(EXIT_INPUT)


class Group(click.Group):
    """Turns AcrnModelError (and its subclasses) into a one-line error and the bad-input status."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AcrnModelError as exc:
            fail(str(exc))


def parse_costs(costs):
    """``--cost STEP=N`` or ``STEP=LO:HI`` -> {step: value}; a bad one is a one-line error."""
    from acrn.engine.cost import STEP_IDS

    out = {}
    for item in costs:
        name, sep, value = item.partition("=")
        if not sep or name not in STEP_IDS:
            fail("--cost %s: expected STEP=CYCLES with a step of the cost model (%s)" % (item, ", ".join(STEP_IDS)))
        try:
            parts = [int(v) for v in value.split(":")]
        except ValueError:
            parts = []
        if len(parts) not in (1, 2) or min(parts) < 0 or parts[-1] < parts[0]:
            fail("--cost %s: expected a number of cycles or LO:HI with 0 <= LO <= HI" % item)
        out[name] = parts[0] if len(parts) == 1 else parts
    return out


def design_names(registry):
    return list(registry.designs)


def check_design(registry, design, option="--design"):
    """A design name the registry does not know is a one-line error listing the known ones."""
    if design is not None and design not in registry.designs:
        fail("%s: unknown design %r (known: %s)" % (option, design, ", ".join(design_names(registry))))


def load(registry, scenario):
    from acrn.scenarios import load_scenario

    return load_scenario(scenario, registry)
