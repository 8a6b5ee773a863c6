"""`consolidator template`: the blank form a subdivision fills in."""
from __future__ import annotations

from typing import TYPE_CHECKING

import click

from consolidator.cli.common import DEFAULT_PROFILE, IntRange, PathArg, UsageError, profile

if TYPE_CHECKING:
    from pathlib import Path


@click.command("template", options_metavar="[ПАРАМЕТРЫ]", short_help="Записать бланк формы для подразделений (.xlsx).")
@click.argument("file", metavar="ФАЙЛ", type=PathArg(dir_okay=False))
@click.option("--profile", "profile_name", default=DEFAULT_PROFILE, show_default=True, metavar="ПРОФИЛЬ",
              help="Профиль региона (файл в папке rules/) или путь к своему файлу профиля .yaml.")
@click.option("--subdivision", default=None, metavar="НАИМЕНОВАНИЕ",
              help="Наименование структурного подразделения для строки «Структурное подразделение:». "
                   "Без него строка остается пустой для заполнения.")
@click.option("--rows", type=IntRange(1, 10000), default=50, show_default=True, metavar="ЧИСЛО",
              help="Сколько пустых строк для заполнения подготовить в таблице.")
def command(file: Path, profile_name: str, subdivision: str | None, rows: int) -> None:
    """Записать бланк формы для подразделения в ФАЙЛ (.xlsx): заголовок формы, раскрывающиеся списки,
    лист «Инструкция» с правилами проверки и сроками."""
    from consolidator.outputs.template import write_template

    if file.suffix.lower() != ".xlsx":
        raise UsageError(f"Бланк записывается в формате .xlsx: укажите имя файла с расширением .xlsx, а не «{file.name}».")
    chosen = profile(profile_name)
    if chosen.survey is not None:
        raise UsageError(f"Профиль «{chosen.key}» описывает опрос удовлетворенности: бланк для ввода ответов и "
                         f"анкету пишет команда consolidator survey template --profile {chosen.key}.")
    write_template(chosen, file, subdivision=subdivision, rows=rows)
    click.echo(f"Бланк формы записан: {file} (профиль {chosen.key}, строк для заполнения: {rows}).")
