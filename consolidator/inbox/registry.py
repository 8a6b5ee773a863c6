"""The ministry's process registry read from its file (.xlsx, .xlsm, .xls, .xlsb, .ods or .csv), the way
a form is read: the header anywhere in the first rows, the columns by the profile's usual wordings
(profile.registry.RegistryForm), merged cells filled down, footnotes and signatures left out.

The file is inspected as any untrusted file is (inbox.safety); a registry that cannot be used is a
RegistryError with a Russian reason (the run stops with exit code 2: checking the list against a
broken registry would return every file).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from consolidator.inbox.read import read_table
from consolidator.inbox.safety import Limits, UnreadableError, inspect
from consolidator.profile.registry import Process, Registry
from consolidator.profile.schema import Profile


class RegistryError(ValueError):
    """The registry file cannot be used; the message says why, in Russian."""


def read_registry(path: Path, profile: Profile, limits: Limits | None = None,
                  aliases: dict[str, str] | None = None) -> Registry:
    form = profile.registry_form
    if form is None:
        raise RegistryError(f"Порядок профиля «{profile.key}» не ведет реестр процессов: --registry не нужен.")
    if not path.is_file():
        raise RegistryError(f"Файл реестра процессов «{path}» не найден.")
    headers = "; ".join(f"«{c.header}»" for c in form.columns if c.key != form.number_column)
    no_table = f"В файле «{path.name}» не найдена таблица {form.title}: ожидаются графы {headers}."
    try:
        src = inspect(path, limits)
    except UnreadableError as exc:
        raise RegistryError(f"Реестр процессов «{path.name}» не удалось прочитать: {exc}") from exc
    try:
        table = read_table(src, form)
    except UnreadableError as exc:
        # A text table (CSV) is read only when it holds the registry's table.
        raise RegistryError(no_table if src.text else f"Реестр процессов «{path.name}» не удалось прочитать: {exc}") from exc
    except Exception as exc:  # a reader's failure on an odd file: the registry is not usable
        raise RegistryError(f"Реестр процессов «{path.name}» не удалось прочитать: файл поврежден.") from exc
    if table is None or table.missing and set(table.missing) - {form.number_column}:
        found = "" if table is None else f" Не найдены графы: {', '.join(form.columns[form.keys.index(k)].header for k in table.missing)}."
        raise RegistryError(no_table + found)
    keys = form.keys
    processes = []
    for _, values in table.rows:
        row = dict(zip(keys, values))
        if row.get("process"):
            processes.append(Process(group=row.get("group", ""), name=row["process"], owner=row.get("owner", ""),
                                     number=row.get(form.number_column, "")))
    if not processes:
        raise RegistryError(f"В таблице {form.title} файла «{path.name}» нет ни одного процесса.")
    return Registry(tuple(processes), source=str(path), sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                    aliases=dict(aliases or {}))
