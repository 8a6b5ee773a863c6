"""`consolidator rules`: a profile's rules, for the console or the README."""
from __future__ import annotations

import click

from consolidator.cli.common import DEFAULT_PROFILE, profile


@click.command("rules", options_metavar="[ПАРАМЕТРЫ]")
@click.option("--profile", "profile_name", default=DEFAULT_PROFILE, show_default=True, help="Профиль региона.")
@click.option("--markdown", is_flag=True, help="Таблица в формате Markdown (для README).")
def command(profile_name: str, markdown: bool) -> None:
    """Показать правила профиля: код, важность, пункт Порядка, что проверяется."""
    from consolidator.profile.docs import rules_table

    click.echo(rules_table(profile(profile_name), markdown=markdown))
