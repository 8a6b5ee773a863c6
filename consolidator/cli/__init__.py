"""The command line: one small module per command, each parsing its options and calling the library.

Everything a user reads here is in Russian (click's own messages too: click_ru). The commands import
the library inside their functions, so that `--help` loads neither pandas nor openpyxl.

Imports: anything of the package. Nothing imports cli (but __main__).
"""
from __future__ import annotations

import sys

import click

from consolidator import __version__
from consolidator.cli.click_ru import install as _russian_click

# Before the commands are declared: click looks some of its texts up as their options are made.
_russian_click()

from consolidator.cli import approve, profiles, rules, run, status, survey, template  # noqa: E402
from consolidator.cli.common import EXIT_OK, EXIT_RETURNED, EXIT_USAGE, UsageError, forget_profiles  # noqa: E402

__all__ = ["EXIT_OK", "EXIT_RETURNED", "EXIT_USAGE", "UsageError", "entry", "main"]


@click.group(options_metavar="[ПАРАМЕТРЫ]", subcommand_metavar="КОМАНДА [ПАРАМЕТРЫ]...",
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, message="consolidator %(version)s", help="Показать версию и выйти.")
def main() -> None:
    """Проверка и сведение перечней точек взаимодействия с клиентом.

    Проверяет файлы структурных подразделений по Порядку региона, возвращает файлы с замечаниями,
    сводит принятые в сводный перечень и готовит проект приказа о его утверждении.
    """
    for stream in (sys.stdout, sys.stderr):
        # A Windows console may not be UTF-8; never crash on a Russian letter.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    forget_profiles()


for _module in (run, approve, status, rules, template, survey, profiles):
    main.add_command(_module.command)


def entry() -> None:
    """The `consolidator` command (and `python -m consolidator`): `main`, then an immediate exit.

    When a command has finished, every output is written, closed and renamed into place, the second
    process and the pools are shut down and the journal is closed. What is left is the interpreter's
    own clean-up of pandas and pandera, which took 0.3 s of a 1.5 s run: it is skipped once the
    streams are flushed. An unexpected error still ends the ordinary way, with its traceback."""
    import os

    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:
        code = EXIT_OK
    if code is not None and not isinstance(code, int):
        click.echo(code, err=True)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)
