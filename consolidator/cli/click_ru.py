"""Click's own messages (help, usage errors) in Russian: users are officials, not programmers.

Click looks its messages up through gettext at run time (module-level `_` and `ngettext` in its
modules); this replaces those look-ups with a Russian table. Click quotes the names it puts in its
messages with straight quotes and repr(); a Russian text quotes with «ёлочки», so the few places that
quote (a parameter's name in an error, the commands it suggests) are replaced too. tests/test_cli.py
checks that it still takes effect, so a click upgrade that changes the mechanism fails a test, not a user.
"""
from __future__ import annotations

import importlib

RU = {
    "Show this message and exit.": "Показать эту справку и выйти.",
    "Show the version and exit.": "Показать версию и выйти.",
    "Usage:": "Использование:",
    "Options": "Параметры",
    "Commands": "Команды",
    "Positional arguments": "Аргументы",
    "Error: {message}": "Ошибка: {message}",
    "Try '{command} {option}' for help.": "Справка: {command} {option}",
    "Invalid value for {param_hint}: {message}": "Неверное значение {param_hint}: {message}",
    "Invalid value: {message}": "Неверное значение: {message}",
    "Missing argument": "Не указан аргумент",
    "Missing option": "Не указан параметр",
    "Missing parameter": "Не указан параметр",
    "Missing parameter: {param_name}": "Не указан параметр: {param_name}",
    "Missing command.": "Не указана команда.",
    "No such command {name!r}.": "Нет команды «{name}».",
    "No such option {name!r}.": "Нет параметра «{name}».",
    "No such option: {name}": "Нет параметра «{name}».",
    "default: {default}": "по умолчанию: {default}",
    "required": "обязательно",
    "Aborted!": "Прервано.",
    "{name} {filename!r} does not exist.": "{name} «{filename}» отсутствует.",
    "{name} {filename!r} is a directory.": "{name} «{filename}» — это папка, а нужен файл.",
    "{name} {filename!r} is a file.": "{name} «{filename}» — это файл, а нужна папка.",
    "{name} {filename!r} is not readable.": "{name} «{filename}»: нет доступа на чтение.",
    "{name} {filename!r} is not writable.": "{name} «{filename}»: нет доступа на запись.",
    "file": "файл",
    "directory": "папка",
    "path": "путь",
    "{value!r} is not a valid {number_type}.": "«{value}» — не число.",
    "{value} is not in the range {range}.": "{value}, а нужно {range}.",
    "Could not open file {filename!r}: {message}": "Не удалось открыть файл «{filename}»: {message}",
}
RU_PLURAL = {
    "{value!r} does not match the format {format}.": "«{value}» — не дата в формате {format}.",
    "{value!r} does not match the formats {formats}.": "«{value}» — не дата; допустимые форматы: {formats}.",
    "Got unexpected extra argument ({args})": "Лишний аргумент ({args})",
    "Got unexpected extra arguments ({args})": "Лишние аргументы ({args})",
    "Option {name!r} requires an argument.": "Параметру «{name}» нужно значение.",
    "Option {name!r} requires {nargs} arguments.": "Параметру «{name}» нужно значений: {nargs}.",
    "Did you mean {possibility}?": "Возможно, имелось в виду {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Возможно, имелось в виду одно из: {possibilities}?)",
}
_MODULES = ("click.core", "click.exceptions", "click.types", "click.parser", "click.formatting",
            "click.decorators", "click.termui")


def _gettext(message: str) -> str:
    return RU.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    message = singular if n == 1 else plural
    return RU_PLURAL.get(message, message)


def _quoted(names) -> str:
    return " / ".join(f"«{n}»" for n in names)


def _option_hint(self, ctx=None) -> str:
    return _quoted(self.opts or [self.human_readable_name])


def _argument_hint(self, ctx=None) -> str:
    return _quoted([self.make_metavar(ctx) if ctx is not None else self.human_readable_name])


def _possibilities(possibilities) -> str:
    names = ", ".join(f"«{p}»" for p in sorted(possibilities))
    return _ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)",
                     len(possibilities)).format(possibility=names, possibilities=names)


def install() -> None:
    for name in _MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = _gettext
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext
    core, exceptions = importlib.import_module("click.core"), importlib.import_module("click.exceptions")
    # Where click quotes a name itself ('--date', 'ВХОДЯЩИЕ', 'run'), with straight quotes.
    core.Parameter.get_error_hint = _option_hint
    core.Option.get_error_hint = _option_hint
    core.Argument.get_error_hint = _argument_hint
    if hasattr(exceptions, "_format_possibilities"):
        exceptions._format_possibilities = _possibilities
