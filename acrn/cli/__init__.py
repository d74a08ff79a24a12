"""The ``acrn-model`` command: one click group, its commands in this package's modules.

The exit statuses and the one-line error handling every command shares are in :mod:`acrn.cli.common`.
"""
import click

import acrn
from acrn.plugin import DEFAULT_PLUGIN_TIMEOUT_S, set_plugin_timeout
from acrn.cli.common import Context, FiniteFloat, Group, install_signal_handlers
from acrn.cli.demo import demo
from acrn.cli.explore import explore, replay
from acrn.cli.info import designs, plugins, scenarios
from acrn.cli.microbench import microbench
from acrn.cli.run import run
from acrn.cli.sweep import sweep
from acrn.cli.trace import analyze, timeline


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]},
             epilog="""\b
Examples:
  acrn-model demo
  acrn-model run kick-race --design nmi
\b
Exit status: 0 ok, 1 a violation (run, replay, explore), 2 bad input, 3 a search stopped before it
covered its bound, 4 an internal error.
\b
Shell completion (scenario and design names too), for bash:
  eval "$(_ACRN_MODEL_COMPLETE=bash_source acrn-model)"
(zsh: zsh_source, fish: fish_source).""")
@click.version_option(acrn.__version__, message="acrn-model %(version)s")
@click.option("-p", "plugins", multiple=True, metavar="MODULE", help="Load a plugin module by name (repeatable).")
@click.option("--plugin-timeout", type=FiniteFloat(min=0), default=DEFAULT_PLUGIN_TIMEOUT_S, show_default=True,
              metavar="SECONDS", help="Stop a run when one call into a plugin takes longer (0: no bound).")
@click.option("--debug", is_flag=True, help="On an internal error, print the traceback.")
@click.pass_context
def main(ctx, plugins, plugin_timeout, debug):
    """An executable model of ACRN's interrupt and vCPU notification path.

    Exit status of every command: 0 ok, 1 an invariant was violated, 2 bad input (scenario, capture,
    option, plugin), 3 a search stopped before covering its bound, 4 an internal error, 128+N when
    stopped by signal N (SIGINT 130, SIGTERM 143)."""
    install_signal_handlers()
    set_plugin_timeout(plugin_timeout or None)
    ctx.obj = Context(plugins)


for _command in (run, demo, sweep, explore, replay, designs, scenarios, plugins, microbench, analyze, timeline):
    main.add_command(_command)

if __name__ == "__main__":
    main()
