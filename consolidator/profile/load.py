"""A profile loaded from rules/<name>.yaml (or any YAML file) and validated as it is read: a broken one
gets a message naming the file and the key. The engine knows nothing about any region; everything
regional is read here."""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from consolidator.profile import survey as survey_section
from consolidator.profile.yamlfile import load as load_yaml
from consolidator.profile.schema import (SEVERITIES, Amendments, Column, Deadline, Kind, PointType, Profile,
                                         ProfileError, Reason, Rule, VocabularyItem, Wording)
from consolidator.profile.text import match_key

# The reference procedure (Udmurtia): used when no profile is given and none can be told from the files.
DEFAULT_PROFILE = "udmurt"
# What a deadline's working days may count from (schema.Deadline.after).
DEADLINE_AFTER = ("approval", "amendment")


def rules_dir() -> Path:
    """The rules/ folder: installed as consolidator.rules, or beside the package in a source tree."""
    try:
        return Path(str(resources.files("consolidator.rules")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent.parent / "rules"


# A survey profile has a top-level `survey:` section: it is told from a list profile without parsing it.
_SURVEY_SECTION = re.compile(r"^survey:", re.MULTILINE)


def available_profiles(kind: str | None = "list") -> list[str]:
    """The profiles in rules/: list profiles (the default: what `run` checks and chooses from), survey
    profiles (`kind="survey"`: `consolidator survey`) or all (None)."""
    out = []
    for path in sorted(rules_dir().glob("*.yaml")):
        if kind is None or profile_kind(path) == kind:
            out.append(path.stem)
    return out


def profile_kind(path: Path) -> str:
    """«survey» for a file with a `survey:` section, else «list»."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return "list"
    return "survey" if _SURVEY_SECTION.search(text) else "list"


def load_profile(name_or_path: str | Path, org_override: Path | None = None) -> Profile:
    """Load a profile by name (a file in rules/) or by path to a YAML file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = rules_dir() / f"{name_or_path}.yaml"
        if not path.exists():
            known = ", ".join(available_profiles(None))
            raise ProfileError(f"Профиль «{name_or_path}» не найден. Доступные профили: {known}.")
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"{path}: не удалось прочитать профиль: {exc}") from exc
    profile = _build(data, path)
    if org_override is not None:
        profile.org = merge_org(profile.org, org_override)
    return profile


def merge_org(org: dict[str, Any], path: Path) -> dict[str, Any]:
    """Override organisation details with a user's YAML file (keys as in the profile's `org`)."""
    try:
        extra = load_yaml(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"{path}: не удалось прочитать файл реквизитов: {exc}") from exc
    if not isinstance(extra, dict):
        raise ProfileError(f"{path}: файл реквизитов должен быть словарем «ключ: значение».")
    extra = {k: v for k, v in extra.items() if k != "registry"}  # the registry the file names (run.Settings)
    unknown = sorted(set(extra) - set(org))
    if unknown:
        raise ProfileError(
            f"{path}: неизвестные ключи реквизитов: {', '.join(unknown)}. "
            f"Допустимые ключи: {', '.join(sorted(org))}."
        )
    return {**org, **extra}


class _Reader:
    """Reads keys from nested dicts, naming the file and the key path on every error."""

    def __init__(self, path: Path):
        self.path = path

    def get(self, data: Any, key: str, where: str, kind: type | tuple = str, default: Any = ...) -> Any:
        if not isinstance(data, dict):
            raise ProfileError(f"{self.path}: «{where}» должен быть словарем")
        if key not in data:
            if default is not ...:
                return default
            raise ProfileError(f"{self.path}: нет обязательного ключа «{where}.{key}»")
        value = data[key]
        if not isinstance(value, kind):
            raise ProfileError(f"{self.path}: ключ «{where}.{key}» имеет неверный тип ({type(value).__name__})")
        return value


def _compile(path: Path, where: str, pattern: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ProfileError(f"{path}: «{where}»: неверное регулярное выражение «{pattern}»: {exc}") from exc


def _build(data: Any, path: Path) -> Profile:
    r = _Reader(path)
    key = r.get(data, "profile", "")
    proc = r.get(data, "procedure", "", dict)
    form = r.get(data, "form", "", dict)
    voc = r.get(data, "vocabularies", "", dict)
    # A survey's table is its questionnaire's codes; it has no groups, kinds, numbers or points.
    survey = None
    if "survey" in data:
        survey = survey_section.build(r, r.get(data, "survey", "", dict), path, set(voc))
        columns = list(survey.columns())
    else:
        columns = []
        for i, c in enumerate(r.get(form, "columns", "form", list)):
            where = f"form.columns[{i}]"
            columns.append(Column(
                key=r.get(c, "key", where),
                header=r.get(c, "header", where),
                variants=tuple(r.get(c, "variants", where, list, [])),
                width=r.get(c, "width", where, int, 20),
            ))
    col_keys = {c.key for c in columns}
    for special in ("group_column", "kind_column", "number_column"):
        if survey is None and r.get(form, special, "form") not in col_keys:
            raise ProfileError(f"{path}: «form.{special}» называет графу, которой нет в form.columns")

    kinds = tuple(
        Kind(value=r.get(k, "value", f"vocabularies.kinds[{i}]"),
             online=r.get(k, "online", f"vocabularies.kinds[{i}]", bool),
             aliases=tuple(r.get(k, "aliases", f"vocabularies.kinds[{i}]", list, [])))
        for i, k in enumerate(r.get(voc, "kinds", "vocabularies", list, [] if survey else ...))
    )
    kind_values = {k.value for k in kinds}
    points = []
    for i, p in enumerate(r.get(voc, "points", "vocabularies", list, [] if survey else ...)):
        where = f"vocabularies.points[{i}]"
        kind = r.get(p, "kind", where, (str, type(None)))
        if kind is not None and kind not in kind_values:
            raise ProfileError(f"{path}: «{where}.kind» = «{kind}» не входит в vocabularies.kinds")
        points.append(PointType(
            name=r.get(p, "name", where),
            kind=kind,
            patterns=tuple(_compile(path, f"{where}.match", m) for m in r.get(p, "match", where, list)),
            name_required=r.get(p, "name_required", where, bool, False),
        ))
    generic = r.get(voc, "generic_name_words", "vocabularies", list, [])
    generic_rx = _compile(path, "vocabularies.generic_name_words", "^(?:" + "|".join(f"(?:{g})" for g in generic) + ")$"
                          if generic else "(?!)")

    extra_vocabularies = {
        name: _extra_vocabulary(r, items, f"vocabularies.{name}")
        for name, items in voc.items() if name not in ("groups", "kinds", "points", "generic_name_words")
    }
    vocabulary_items = {
        name: _vocabulary_items(path, items, f"vocabularies.{name}")
        for name, items in voc.items()
        if name not in ("kinds", "points", "generic_name_words") and isinstance(items, list)
    }
    if survey is not None:
        # An answer's code (its number in the form) is the answer, as paper answers are entered.
        for q in survey.questions:
            if q.vocabulary:
                for item in vocabulary_items.get(q.vocabulary, ()):
                    for n in item.numbers:
                        extra_vocabularies[q.vocabulary].setdefault(match_key(n), item.value)
    families = survey.families() if survey is not None else {}

    deadlines = {}
    for name, d in r.get(data, "deadlines", "", dict).items():
        where = f"deadlines.{name}"
        until = r.get(d, "until", where, str, None)
        if until is not None and not re.fullmatch(r"\d{2}\.\d{2}", until):
            raise ProfileError(f"{path}: «{where}.until» должен быть датой вида ДД.ММ, а не «{until}»")
        months = r.get(d, "months", where, int, None)
        after = r.get(d, "after", where, str, None)
        if after not in (None, *DEADLINE_AFTER):
            raise ProfileError(f"{path}: «{where}.after» должен быть одним из: {', '.join(DEADLINE_AFTER)}, а не «{after}»")
        deadlines[name] = Deadline(days=r.get(d, "days", where, int, ... if until is None and months is None else None),
                                   clause=r.get(d, "clause", where),
                                   text=r.get(d, "text", where, str, ""), until=until, after=after, months=months)

    rules = []
    seen = set()
    for i, rd in enumerate(r.get(data, "rules", "", list)):
        where = f"rules[{i}]"
        code = r.get(rd, "code", where)
        if code in seen:
            raise ProfileError(f"{path}: код правила {code} повторяется")
        seen.add(code)
        severity = r.get(rd, "severity", where)
        if severity not in SEVERITIES:
            raise ProfileError(f"{path}: «{where}.severity» должен быть error или warning, а не «{severity}»")
        params = {k: v for k, v in rd.items()
                  if k not in ("code", "check", "severity", "clause", "message", "summary")}
        for k in ("column", "point_column", "item_column"):
            if k in params and params[k] not in col_keys:
                raise ProfileError(f"{path}: «{where}.{k}» = «{params[k]}»: нет такой графы в form.columns")
        list_params = [k for k in params if k in ("columns", "within") or k.endswith("_columns")]
        for k in list_params:
            if not isinstance(params[k], list):
                raise ProfileError(f"{path}: «{where}.{k}» должен быть списком граф")
            # A survey's per-source question stands for its columns, one per source.
            params[k] = [c for name in params[k] for c in families.get(name, [name])]
            for c in params.get(k, []):
                if c not in col_keys:
                    raise ProfileError(f"{path}: «{where}.{k}»: нет графы «{c}» в form.columns")
        if "vocabulary" in params and params["vocabulary"] not in ("groups", "kinds", *extra_vocabularies):
            raise ProfileError(f"{path}: «{where}.vocabulary» = «{params['vocabulary']}»: нет такого словаря "
                               f"в vocabularies")
        rules.append(Rule(
            code=code,
            check=r.get(rd, "check", where),
            severity=severity,
            clause=r.get(rd, "clause", where),
            message=" ".join(r.get(rd, "message", where).split()),
            summary=r.get(rd, "summary", where),
            params=params,
        ))

    return Profile(
        key=key,
        name=r.get(data, "name", ""),
        source=path,
        procedure_short=r.get(proc, "short", "procedure"),
        procedure_title=" ".join(r.get(proc, "title", "procedure").split()),
        form_title=" ".join(r.get(form, "title", "form").split()),
        header_search_rows=r.get(form, "header_search_rows", "form", int, 30),
        subdivision_labels=tuple(r.get(form, "subdivision_labels", "form", list, [])),
        columns=tuple(columns),
        group_column=form.get("group_column"),
        kind_column=form.get("kind_column"),
        number_column=form.get("number_column"),
        footnotes=tuple(" ".join(f.split()) for f in r.get(form, "footnotes", "form", list, [])),
        groups=tuple(i.value for i in vocabulary_items.get("groups", ())) or tuple(r.get(voc, "groups", "vocabularies", list, [] if survey else ...)),
        kinds=kinds,
        points=tuple(points),
        generic_name_words=generic_rx,
        deadlines=deadlines,
        rules=tuple(rules),
        org=r.get(data, "org", "", dict, {}),
        extra_vocabularies=extra_vocabularies,
        vocabulary_items=vocabulary_items,
        renumber=_renumber(r, form),
        amendments=_amendments(r, data, col_keys),
        registry_form=_registry_form(r, data, col_keys),
        **_merging(r, data, col_keys),
        wording=_wording(r, data),
        survey=survey,
    )


def _merging(r: _Reader, data: dict, col_keys: set[str]) -> dict:
    """The profile's `consolidate` section: which equal rows of different subdivisions are merged."""
    section = r.get(data, "consolidate", "", dict, None)
    if section is None:
        return {}
    columns = tuple(r.get(section, "merge", "consolidate", list))
    for key in columns:
        if key not in col_keys:
            raise ProfileError(f"{r.path}: «consolidate.merge»: нет графы {key!r} в form.columns")
    return {"merge_columns": columns, "merge_clause": r.get(section, "clause", "consolidate")}


def _registry_form(r: _Reader, data: dict, col_keys: set[str]):
    """The profile's `registry` section (how the process registry's table looks), or None."""
    from consolidator.profile.registry import REQUIRED, RegistryForm

    section = r.get(data, "registry", "", dict, None)
    if section is None:
        return None
    where = "registry"
    process_column = r.get(section, "process_column", where)
    if process_column not in col_keys:
        raise ProfileError(f"{r.path}: «{where}.process_column» = {process_column!r}: нет такой графы в form.columns")
    columns = []
    for i, c in enumerate(r.get(section, "columns", where, list)):
        w = f"{where}.columns[{i}]"
        columns.append(Column(key=r.get(c, "key", w), header=r.get(c, "header", w),
                              variants=tuple(r.get(c, "variants", w, list, []))))
    keys = {c.key for c in columns}
    missing = [k for k in REQUIRED if k not in keys]
    if missing:
        raise ProfileError(f"{r.path}: «{where}.columns»: нет граф {', '.join(missing)}")
    return RegistryForm(title=r.get(section, "title", where), process_column=process_column, columns=tuple(columns),
                        header_search_rows=r.get(section, "header_search_rows", where, int, 30))


def _renumber(r: _Reader, form: dict) -> bool | str:
    value = r.get(form, "renumber", "form", (bool, str), True)
    if isinstance(value, str) and value != "groups":
        raise ProfileError(f"{r.path}: «form.renumber» должен быть true, false или groups, а не {value!r}")
    return value


def _amendments(r: _Reader, data: dict, col_keys: set[str]) -> Amendments | None:
    """The profile's `amendments` section, or None when the profile has none."""
    section = r.get(data, "amendments", "", dict, None)
    if section is None:
        return None
    where = "amendments"
    identity = tuple(r.get(section, "identity", where, list))
    for key in identity:
        if key not in col_keys:
            raise ProfileError(f"{r.path}: «{where}.identity»: нет графы {key!r} в form.columns")
    reasons = tuple(Reason(value=" ".join(r.get(x, "value", f"{where}.reasons[{i}]").split()),
                           clause=r.get(x, "clause", f"{where}.reasons[{i}]"))
                    for i, x in enumerate(r.get(section, "reasons", where, list, [])))
    column = r.get(section, "reason_column", where, dict, {})
    share = r.get(section, "restate_share", where, (int, float), 0.5)
    if not 0 < share <= 1:
        raise ProfileError(f"{r.path}: «{where}.restate_share» должен быть долей от 0 до 1, а не {share!r}")
    return Amendments(
        identity=identity, reasons=reasons,
        reason_header=r.get(column, "header", f"{where}.reason_column", str, "Основание внесения изменений"),
        reason_variants=tuple(r.get(column, "variants", f"{where}.reason_column", list, [])),
        restate_share=float(share),
        exclude_wording=r.get(section, "exclude_wording", where, str, "признать утратившей силу"),
    )


def _wording(r: _Reader, data: dict) -> Wording:
    given = r.get(data, "wording", "", dict, {})
    known = set(Wording.__dataclass_fields__)
    unknown = sorted(set(given) - known)
    if unknown:
        raise ProfileError(f"{r.path}: неизвестные ключи «wording»: {', '.join(unknown)}. "
                           f"Допустимые: {', '.join(sorted(known))}.")
    return Wording(**{k: " ".join(r.get(given, k, "wording").split()) for k in given})


def _extra_vocabulary(r: _Reader, items: Any, where: str) -> dict[str, str]:
    """A further closed list: items are a value, or {value, aliases} where aliases are other
    wordings of the same value. Returns match key -> canonical value."""
    if not isinstance(items, list):
        raise ProfileError(f"{r.path}: «{where}» должен быть списком значений")
    out: dict[str, str] = {}
    for i, item in enumerate(items):
        if isinstance(item, str):
            value, aliases = item, []
        else:
            value = r.get(item, "value", f"{where}[{i}]")
            aliases = r.get(item, "aliases", f"{where}[{i}]", list, [])
        for v in (value, *aliases):
            out[match_key(v)] = value
    return out


def _vocabulary_items(path: Path, items: list, where: str) -> tuple[VocabularyItem, ...]:
    """Entries of a list vocabulary: a plain value, or {value, aliases, numbers, keywords}."""
    out = []
    r = _Reader(path)
    for i, item in enumerate(items):
        if isinstance(item, str):
            out.append(VocabularyItem(item))
            continue
        w = f"{where}[{i}]"
        numbers = r.get(item, "numbers", w, list, [])
        out.append(VocabularyItem(
            value=r.get(item, "value", w),
            aliases=tuple(str(a) for a in r.get(item, "aliases", w, list, [])),
            numbers=tuple(str(n) for n in numbers),
            keywords=tuple(_compile(path, f"{w}.keywords", k) for k in r.get(item, "keywords", w, list, [])),
        ))
    return tuple(out)
