"""`consolidator rules`: a profile's rules, for the console or the documentation (docs/rules.md)."""
from __future__ import annotations

import click

from consolidator.cli.common import DEFAULT_PROFILE, profile
from consolidator.cli.console import print_table


@click.command("rules", options_metavar="[ПАРАМЕТРЫ]", short_help="Показать правила проверки профиля.")
@click.option("--profile", "profile_name", default=DEFAULT_PROFILE, show_default=True, metavar="ПРОФИЛЬ",
              help="Профиль региона.")
@click.option("--markdown", is_flag=True, help="Таблица в формате Markdown (для docs/rules.md).")
def command(profile_name: str, markdown: bool) -> None:
    """Показать правила профиля: код, важность, пункт Порядка, что проверяется."""
    from consolidator.profile.docs import RULES_HEADERS, rules_rows, rules_table

    if markdown:
        click.echo(rules_table(profile(profile_name), markdown=True))
    else:
        print_table(list(RULES_HEADERS), [list(r) for r in rules_rows(profile(profile_name))])
