"""Shell completion of scenario and design names (click's completion: see README, "Shell completion").

Enable it once per shell, e.g. for bash: ``eval "$(_ACRN_MODEL_COMPLETE=bash_source acrn-model)"``
(zsh: ``zsh_source``, fish: ``fish_source``).
"""
from click.shell_completion import CompletionItem


def examples(*commands):
    """A command's help epilog: its example command lines (click keeps the ``\\b`` block unwrapped)."""
    return "\b\nExamples:\n" + "\n".join("  acrn-model " + c for c in commands)


def complete_scenario(ctx, param, incomplete):
    """The built-in scenario names that start with ``incomplete``, and file paths (a scenario TOML file)."""
    from acrn.scenarios import builtin_names

    names = [CompletionItem(n) for n in builtin_names() if n.startswith(incomplete)]
    return names + [CompletionItem(incomplete, type="file")]


def complete_design(ctx, param, incomplete):
    """The design names the registry knows (built-in and plugins) that start with ``incomplete``."""
    from acrn.plugin import default_registry

    obj = ctx.find_root().obj
    registry = obj.registry if obj is not None else default_registry()
    return [CompletionItem(n) for n in registry.designs if n.startswith(incomplete)]
