"""What a region's profile holds: its form, vocabularies, deadlines, rules and organisation details
(profile.load reads them from rules/<name>.yaml)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consolidator.profile.text import match_key

SEVERITIES = ("error", "warning")
SEVERITY_RU = {"error": "ошибка", "warning": "предупреждение"}


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    variants: tuple[str, ...]
    width: int = 20


@dataclass(frozen=True)
class Kind:
    value: str
    online: bool
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class PointType:
    name: str
    kind: str | None  # None: the procedure names the point but not its kind; either kind agrees
    patterns: tuple[re.Pattern, ...]
    name_required: bool = False


@dataclass(frozen=True)
class VocabularyItem:
    """One entry of a closed list given as a mapping in YAML: its value, other wordings, the numbers
    it goes by in the procedure (the first is the one to write: «5а»; others are accepted: «5») and
    regular expressions that show a free text mentions it (`keywords`)."""
    value: str
    aliases: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    keywords: tuple[re.Pattern, ...] = ()


@dataclass(frozen=True)
class Deadline:
    days: int | None  # working days; None for a fixed date of the year (`until`) or a period (`months`)
    clause: str
    text: str
    until: str | None = None  # «25.12»: a yearly date, for deadlines the procedure fixes by date
    # What the working days count from: "approval" (any approved edition of the list), "amendment"
    # (an edition that amends an earlier one, not the first approval); None: the step it names.
    after: str | None = None
    # A review each subdivision owes at least this often, counted from its last list (004 п. 20).
    months: int | None = None


@dataclass(frozen=True)
class Reason:
    """A reason to update the list the procedure names (000 п. 3.3, 001 п. 15, 004 п. 19)."""
    value: str
    clause: str


@dataclass(frozen=True)
class Amendments:
    """How the approved list is kept over the year: what identifies a row across editions, the
    reasons for a change, and the wording of the order that amends the list."""
    # Columns whose values identify a row (compared as the checks compare text); the other columns
    # of a row with the same identity are its content, and a change there is «изменена».
    identity: tuple[str, ...]
    reasons: tuple[Reason, ...] = ()
    # A column a subdivision may add to its form to give the reason of each changed row.
    reason_header: str = "Основание внесения изменений"
    reason_variants: tuple[str, ...] = ()
    # When more than this share of the approved rows change, the order sets the list out anew.
    restate_share: float = 0.5
    # How the amending order excludes a row.
    exclude_wording: str = "признать утратившей силу"


@dataclass(frozen=True)
class Wording:
    """How a returned copy and its e-mail draft name what was checked: a list by default; a profile may
    say otherwise (`wording:`; a survey's answers). {subdivision}, {path} and {date} are filled in."""
    remarks_title: str = "Замечания к перечню точек взаимодействия: {subdivision}"
    why_fix: str = "Ошибки нужно исправить, чтобы перечень был включен в сводный"
    resend: str = "направьте перечень повторно"
    subject: str = "Перечень точек взаимодействия возвращен на доработку: {subdivision}"
    letter: str = ("Перечень точек взаимодействия подразделения «{subdivision}» (файл «{path}») проверен {date} и "
                   "возвращается на доработку")
    letter_resend: str = "направить доработанный перечень повторно"
    comment_author: str = "Проверка перечня"


@dataclass(frozen=True)
class Rule:
    code: str
    check: str
    severity: str
    clause: str
    message: str
    summary: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def column(self) -> str | None:
        return self.params.get("column")


@dataclass
class Profile:
    key: str
    name: str
    source: Path
    procedure_short: str
    procedure_title: str
    form_title: str
    header_search_rows: int
    subdivision_labels: tuple[str, ...]
    columns: tuple[Column, ...]
    group_column: str | None  # None in a survey profile: its table has no groups, kinds or numbers
    kind_column: str | None
    number_column: str | None
    footnotes: tuple[str, ...]
    groups: tuple[str, ...]
    kinds: tuple[Kind, ...]
    points: tuple[PointType, ...]
    generic_name_words: re.Pattern
    deadlines: dict[str, Deadline]
    rules: tuple[Rule, ...]
    org: dict[str, Any]
    # Further closed lists named by rules (`vocabulary: needs`): match key -> canonical value.
    extra_vocabularies: dict[str, dict[str, str]] = field(default_factory=dict)
    # Entries of every list vocabulary (groups included) with their numbers and keywords.
    vocabulary_items: dict[str, tuple[VocabularyItem, ...]] = field(default_factory=dict)
    # True: the number column is a running № п/п, renumbered 1..N in the consolidated list. False: it
    # holds a number from a vocabulary (a group's number), kept as checked. "groups": it holds the
    # group's ordinal (1 for the first group of the list, 2 for the next…), renumbered so in the list.
    renumber: bool | str = True
    amendments: Amendments | None = None
    # How the ministry's process registry looks (profile.registry.RegistryForm), when the procedure has
    # one; and the registry given for a run (profile.registry.Registry), which the registry checks read.
    registry_form: Any = None
    registry: Any = None
    # Rows of different subdivisions equal in these columns (compared as the checks compare text) are
    # one row of the consolidated list (000 п. 2.6: a process done uniformly by all subdivisions gets
    # its points once); `merge_clause` says where the procedure asks for it. Empty: no merging.
    merge_columns: tuple[str, ...] = ()
    merge_clause: str = ""
    wording: Wording = field(default_factory=Wording)
    # A survey profile's questionnaire (a profile.survey.Survey; its columns are `columns`); None for a list.
    survey: Any = None

    @property
    def kind(self) -> str:
        """«list» (a list of interaction points: `consolidator run`) or «survey» (`consolidator survey`)."""
        return "list" if self.survey is None else "survey"

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    def header(self, key: str) -> str:
        """The column's header as printed in the form, without footnote asterisks."""
        return self.column(key).header.rstrip("*").strip()

    def vocabulary(self, name: str) -> dict[str, str]:
        """match key -> canonical value, for a closed vocabulary named in a rule."""
        if name == "groups":
            out = {match_key(g): g for g in self.groups}
            for item in self.vocabulary_items.get("groups", ()):
                out.update({match_key(a): item.value for a in item.aliases if match_key(a) not in out})
            return out
        if name == "kinds":
            out = {}
            for k in self.kinds:
                for v in (k.value, *k.aliases):
                    out[match_key(v)] = k.value
            return out
        if name in self.extra_vocabularies:
            return dict(self.extra_vocabularies[name])
        raise KeyError(name)

    def items(self, name: str) -> tuple[VocabularyItem, ...]:
        """The entries of a vocabulary named in a rule, with their numbers and keywords."""
        if name in self.vocabulary_items:
            return self.vocabulary_items[name]
        return tuple(VocabularyItem(v) for v in dict.fromkeys(self.vocabulary(name).values()))

    def has_vocabulary(self, name: str) -> bool:
        return name in ("groups", "kinds") or name in self.extra_vocabularies

    def online_values(self) -> set[str]:
        return {k.value for k in self.kinds if k.online}

    def point_type(self, value: str) -> PointType | None:
        text = match_key(value, fold_spaces_only=True)
        for p in self.points:
            if any(rx.search(text) for rx in p.patterns):
                return p
        return None

    def rule(self, code: str) -> Rule:
        for r in self.rules:
            if r.code == code:
                return r
        raise KeyError(code)
