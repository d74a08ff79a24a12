"""The ``acrn-model`` command: one click group, its commands in this package's modules.

The exit statuses and the one-line error handling every command shares are in :mod:`acrn.cli.common`.
A command's module is imported when the command is first looked up (:class:`_LazyCommands`), so that a
short command (``analyze`` of a small capture) does not pay for the imports of all the others.
"""
import importlib

import click

import acrn
from acrn.plugin import DEFAULT_PLUGIN_TIMEOUT_S, set_plugin_timeout
from acrn.cli.common import Context, FiniteFloat, Group, install_signal_handlers

#: command name -> the module that defines it (as an attribute of the same name), in --help order
COMMAND_MODULES = {"run": "acrn.cli.run", "demo": "acrn.cli.demo", "sweep": "acrn.cli.sweep",
                   "explore": "acrn.cli.explore", "replay": "acrn.cli.explore", "designs": "acrn.cli.info",
                   "scenarios": "acrn.cli.info", "plugins": "acrn.cli.info", "microbench": "acrn.cli.microbench",
                   "analyze": "acrn.cli.trace", "timeline": "acrn.cli.trace"}


class _LazyCommands(dict):
    """The group's commands by name; each is imported from its module on first lookup."""

    def __init__(self, modules):
        super().__init__((name, None) for name in modules)
        self._modules = modules

    def __getitem__(self, name):
        cmd = super().__getitem__(name)
        if cmd is None:
            cmd = getattr(importlib.import_module(self._modules[name]), name)
            super().__setitem__(name, cmd)
        return cmd

    def get(self, name, default=None):
        return self[name] if name in self else default

    def values(self):
        return [self[name] for name in self]

    def items(self):
        return [(name, self[name]) for name in self]


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


main.commands = _LazyCommands(COMMAND_MODULES)

if __name__ == "__main__":
    main()
