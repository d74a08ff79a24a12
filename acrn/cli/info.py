"""``acrn-model designs | scenarios | plugins``: what the registry holds."""
import click


@click.command()
@click.pass_obj
def designs(obj):
    """List the notification designs and what each one chooses."""
    from acrn.report import print_designs

    print_designs(obj.registry)


@click.command()
@click.pass_obj
def scenarios(obj):
    """List the built-in scenarios."""
    from acrn.report import print_scenarios

    print_scenarios(obj.registry)


@click.command()
@click.pass_obj
def plugins(obj):
    """List the loaded plugins and the hooks each implements."""
    from acrn.report import print_plugins

    print_plugins(obj.registry)
