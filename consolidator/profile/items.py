"""Cells that list several values, and matching each listed item against a closed vocabulary.

A subdivision writes several needs of the client in one cell: separated by «;», numbered
«1) … 2) …», bulleted, or one per line (the reader turns line breaks into spaces, so a list typed
one item per line arrives as one run of text). An item is recognised when its words are those of a
vocabulary value, or, when refinement is allowed, when it begins with them and goes on to narrow
them down («получение консультации по вопросам предоставления субсидии»). A list whose line
breaks were lost still begins with a recognised item and is therefore not taken for an error.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from consolidator.profile.text import match_key

# «;», numbering «1)», «1.», «а)» in front of a word, and line breaks (kept by callers that have them).
DEFAULT_SPLIT = r"\s*;\s*|\n+|(?:^|(?<=[\s,.;]))(?:\d{1,2}[.)]|[а-яa-z]\))(?=\s*[^\W\d_])"
_BULLETS = "-–—•·▪*"
_WORDS = re.compile(r"[^\W_]+")
_LEADING_NUMBER = re.compile(r"^\s*(?:\d{1,2}|[а-я])\s*[.)]\s*")


def split_items(value: str, pattern: str | None = None) -> list[str]:
    """The items listed in a cell, stripped; empty pieces dropped."""
    text = (value or "").strip()
    if not text:
        return []
    parts = re.split(pattern or DEFAULT_SPLIT, text)
    if text[0] in _BULLETS:
        # «- первое - второе»: a bulleted list; a dash inside an item is not a separator otherwise.
        bullet = re.escape(text[0])
        parts = [q for p in parts for q in re.split(rf"(?:^|\s){bullet}\s+", p)]
    return [p.strip(" ,.;:") for p in parts if p and p.strip(" ,.;:" + _BULLETS)]


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


@dataclass(frozen=True)
class ItemVocabulary:
    """A vocabulary (match key -> canonical value, as Profile.vocabulary gives it) for matching items."""

    entries: tuple[tuple[str, str], ...]  # (squashed key, canonical value), longest key first
    refinement: bool

    @classmethod
    def of(cls, vocabulary: dict[str, str], refinement: bool) -> "ItemVocabulary":
        keys = {}
        for key, value in vocabulary.items():
            keys.setdefault(_squash(key), value)
        entries = tuple(sorted(keys.items(), key=lambda kv: -len(kv[0])))
        return cls(entries, refinement)

    def canonical(self, item: str) -> str | None:
        """The vocabulary value the item names, or None."""
        return _canonical(self, item)


@lru_cache(maxsize=1 << 14)
def _canonical(voc: ItemVocabulary, item: str) -> str | None:
    folded = _LEADING_NUMBER.sub("", match_key(item, fold_spaces_only=True))
    words = _WORDS.findall(folded)
    key = "".join(words)
    if not key:
        return None
    ends, n = set(), 0
    for w in words:
        n += len(w)
        ends.add(n)
    for entry, value in voc.entries:
        if key == entry:
            return value
    if voc.refinement:
        for entry, value in voc.entries:
            # The item begins with the value's words, whole words only («получение консультации …»).
            if len(entry) in ends and key.startswith(entry):
                return value
    return None


def _starts_entry(voc: ItemVocabulary, words: list[str]) -> bool:
    key = "".join(words)
    ends, n = set(), 0
    for w in words:
        n += len(w)
        ends.add(n)
    return any(len(entry) in ends and key.startswith(entry) for entry, _ in voc.entries)


def _lost_line_breaks(piece: str, voc: ItemVocabulary) -> list[str]:
    """A list typed one item per line reaches us as one line: «Получение консультации Представление
    заявления». Split it again before every capitalised word that starts a vocabulary value."""
    spans = [(m.start(), m.group(0)) for m in _WORDS.finditer(piece)]
    folded = [_WORDS.findall(match_key(w, fold_spaces_only=True)) for _, w in spans]
    words = [f[0] if f else "" for f in folded]
    cuts = [0]
    for i in range(1, len(spans)):
        start, word = spans[i]
        if word[:1].isupper() and not word.isupper() and _starts_entry(voc, words[i:]):
            cuts.append(start)
    if len(cuts) == 1:
        return [piece]
    cuts.append(len(piece))
    return [piece[a:b].strip(" ,.;:") for a, b in zip(cuts, cuts[1:]) if piece[a:b].strip(" ,.;:")]


def items(value: str, voc: ItemVocabulary, pattern: str | None = None) -> list[str]:
    """The items of a cell, with lists whose line breaks were lost split again."""
    return [q for p in split_items(value, pattern) for q in _lost_line_breaks(p, voc)]


def unknown_items(value: str, voc: ItemVocabulary, pattern: str | None = None) -> list[str]:
    """The items of a cell that name no value of the vocabulary."""
    return [item for item in items(value, voc, pattern) if voc.canonical(item) is None]


def item_values(value: str, voc: ItemVocabulary, pattern: str | None = None) -> list[str | None]:
    """The vocabulary value of every item of a cell (None for an item the vocabulary lacks)."""
    return [voc.canonical(item) for item in items(value, voc, pattern)]
