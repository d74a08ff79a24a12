"""What every ``acrn-model`` command shares: the exit statuses, the plugin context, one-line errors.

Every error caused by input (scenario file, design name, option, plugin) is printed as one line on
stderr with the bad-input status; no output file is left half-written.  Any other exception is a bug of
acrn-model: one line "internal error: ...; rerun with --debug for the traceback" and the internal-error
status (``--debug`` prints the traceback).  SIGTERM is turned into the same exception as SIGINT, so a
terminated run cleans up (no capture folder left behind) exactly like an interrupted one.
"""
import math
import os
import signal
import sys
import traceback

import click

from acrn.errors import AcrnModelError

# The exit statuses of every command (documented in the README).
EXIT_OK = 0  # success: every invariant holds, the search finished without a violation, the report was written
EXIT_VIOLATION = 1  # a finding: an invariant was violated (run, replay, explore)
EXIT_INPUT = 2  # bad input: scenario file, trace capture, option, plugin
EXIT_INCOMPLETE = 3  # a search stopped at a cap before it covered its bound
EXIT_INTERNAL = 4  # an internal error of acrn-model (a bug): rerun with --debug for the traceback
EXIT_SIGNAL_BASE = 128  # interrupted by signal N (SIGINT, SIGTERM): 128 + N, the shell's convention


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, like SIGINT's KeyboardInterrupt: the same clean-up runs."""

    signum = signal.SIGTERM


def _raise_terminated(signum, frame):
    raise Terminated()


def install_signal_handlers():
    """SIGTERM -> Terminated (a KeyboardInterrupt), in the main thread only (where Python runs handlers)."""
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)


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


def one_line(message):
    return " ".join(str(message).split())


def fail(message, status=EXIT_INPUT):
    """One line on stderr, then the exit status (bad input unless told)."""
    click.echo("acrn-model: error: %s" % one_line(message), err=True)
    sys.exit(status)


class Group(click.Group):
    """The exit-status table of every command: AcrnModelError (and its subclasses) -> one line and the
    bad-input status; SIGINT / SIGTERM -> one line and 128 + the signal; any other exception -> one line
    "internal error" and EXIT_INTERNAL (with ``--debug``, the traceback first)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """click's main, but a usage error (bad option or value) is one line too, with the bad-input
        status."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "acrn-model"
            fail("%s (see '%s --help')" % (exc.format_message(), where), exc.exit_code)
        except click.ClickException as exc:
            # click's own errors use status 1 (FileError, a plain ClickException): the table's 1 is a finding
            fail(exc.format_message(), EXIT_INPUT if exc.exit_code == EXIT_VIOLATION else exc.exit_code)
        except click.Abort:
            fail("interrupted by SIGINT", EXIT_SIGNAL_BASE + signal.SIGINT)
        sys.exit(rv if isinstance(rv, int) else EXIT_OK)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AcrnModelError as exc:
            fail(str(exc))
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt as exc:
            signum = getattr(exc, "signum", signal.SIGINT)
            fail("interrupted by %s" % signal.Signals(signum).name, EXIT_SIGNAL_BASE + signum)
        except Exception as exc:
            if ctx.params.get("debug"):
                traceback.print_exc()
            fail("internal error: %s: %s; rerun with --debug for the traceback" % (type(exc).__name__, exc),
                 EXIT_INTERNAL)


class FiniteFloat(click.ParamType):
    """A finite number in [min, max] (click's FloatRange lets nan and inf through)."""

    name = "number"

    def __init__(self, min=None, max=None):
        self.min, self.max = min, max

    def convert(self, value, param, ctx):
        shown = repr(value) if len(str(value)) <= 40 else repr(str(value)[:37] + "...")
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail("%s is not a number" % shown, param, ctx)
        if not math.isfinite(number):
            self.fail("%s is not a finite number" % shown, param, ctx)
        if (self.min is not None and number < self.min) or (self.max is not None and number > self.max):
            self.fail("%s is not in the range %s..%s" % (shown, "" if self.min is None else self.min,
                                                          "" if self.max is None else self.max), param, ctx)
        return number


def seed_type():
    """``--seed``: an integer in [0, MAX_SEED], as a scenario's ``seed`` (a negative one is refused, not
    folded onto its absolute value by Python's random)."""
    from acrn.scenarios import MAX_SEED

    return click.IntRange(0, MAX_SEED)


class OutputDir(click.ParamType):
    """A folder to write into (``--trace``): checked by ``check_output_dir`` when it is opened; here only
    what no path may hold (click.Path's own check fails with ValueError on a NUL byte)."""

    name = "directory"

    def convert(self, value, param, ctx):
        if "\0" in value:
            self.fail("the path contains a NUL byte", param, ctx)
        return value


def check_output_dir(option, path):
    """``path`` (not yet necessarily there) can be a folder we write into: its nearest existing ancestor
    is a folder we may write, or a one-line error naming the option."""
    probe = os.path.abspath(path)
    while not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    if not os.path.isdir(probe):
        fail("%s %s: %s is not a folder" % (option, path, probe))
    if not os.access(probe, os.W_OK | os.X_OK):
        fail("%s %s: folder %s is not writable" % (option, path, probe))


def open_tracer(option, trace_dir, scenario):
    """A ModelTracer writing into ``trace_dir`` (checked first), or a one-line error naming the option."""
    from acrn.host.tracing import ModelTracer

    check_output_dir(option, trace_dir)
    try:
        return ModelTracer(trace_dir, scenario.pcpus, scenario.tsc_mhz)
    except OSError as exc:
        fail("%s %s: %s" % (option, trace_dir, exc.strerror or exc))


def close_tracer(option, tracer):
    """Close (keep) the capture; an OSError there is a one-line error and the capture is removed."""
    try:
        tracer.close()
    except OSError as exc:
        tracer.abort()
        fail("%s: cannot write the capture: %s" % (option, exc.strerror or exc))


def parse_costs(costs):
    """``--cost STEP=N`` or ``STEP=LO:HI`` -> {step: value}; a bad one is a one-line error."""
    from acrn.engine.cost import STEP_IDS
    from acrn.scenarios import MAX_COST_CYCLES

    out = {}
    for item in costs:
        name, sep, value = item.partition("=")
        if not sep or name not in STEP_IDS:
            fail("--cost %s: expected STEP=CYCLES with a step of the cost model (%s)" % (item[:80], ", ".join(STEP_IDS)))
        try:
            parts = [int(v) for v in value.split(":")]
        except ValueError:
            parts = []
        if len(parts) not in (1, 2) or min(parts) < 0 or parts[-1] < parts[0] or max(parts) > MAX_COST_CYCLES:
            fail("--cost %s: expected a number of cycles or LO:HI with 0 <= LO <= HI <= %d"
                 % (item[:80], MAX_COST_CYCLES))
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
