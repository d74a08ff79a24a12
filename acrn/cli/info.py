"""``acrn-model designs``, ``acrn-model scenarios``, ``acrn-model plugins``: what the registry holds."""
import click

from acrn.cli.complete import examples

JSON_HELP = "Print the list as JSON (schema: acrn/schemas/%s.json)."


@click.command(epilog=examples("designs", "designs --json"))
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP % "designs")
@click.pass_obj
def designs(obj, as_json):
    """List the notification designs and what each one chooses (the design fields)."""
    from acrn.report import designs_data, print_designs, print_json

    print_json(designs_data(obj.registry)) if as_json else print_designs(obj.registry)


@click.command(epilog=examples("scenarios", "scenarios --json"))
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP % "scenarios")
@click.pass_obj
def scenarios(obj, as_json):
    """List the built-in scenarios (run any of them by name, or a TOML file of your own)."""
    from acrn.report import print_json, print_scenarios, scenarios_data

    print_json(scenarios_data(obj.registry)) if as_json else print_scenarios(obj.registry)


@click.command(epilog=examples("plugins", "-p my_plugin plugins --json"))
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP % "plugins")
@click.pass_obj
def plugins(obj, as_json):
    """List the loaded plugins and the hooks each implements."""
    from acrn.report import plugins_data, print_json, print_plugins

    print_json(plugins_data(obj.registry)) if as_json else print_plugins(obj.registry)
