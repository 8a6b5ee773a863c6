"""`consolidator profiles`: the regions' profiles at hand."""
from __future__ import annotations

import click


@click.command("profiles", options_metavar="[ПАРАМЕТРЫ]", short_help="Показать доступные профили: перечни и опросы.")
def command() -> None:
    """Показать доступные профили регионов: перечни (consolidator run) и опросы (consolidator survey)."""
    from consolidator.profile import available_profiles, load_profile

    for name in available_profiles():
        click.echo(f"{name:12} {load_profile(name).name}")
    surveys = available_profiles("survey")
    if surveys:
        click.echo("\nОпросы удовлетворенности (consolidator survey):")
        for name in surveys:
            click.echo(f"{name:12} {load_profile(name).name}")
