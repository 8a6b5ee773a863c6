"""Text normalisation shared by the reader, the checks and the writers."""
from __future__ import annotations

import re
from functools import lru_cache

_SPACES = re.compile(r"\s+")
_CYR = "а-яё"
_MIXED_WORD = re.compile(rf"\b(?=\w*[{_CYR}])(?=\w*[a-z])\w+\b", re.IGNORECASE)
# Latin letters that look like Cyrillic ones: a Latin "o" typed into «Oнлайн».
_HOMOGLYPHS = str.maketrans("aceopxykmthb", "асеорхукмтнв")
_HOMOGLYPHS_BOTH_CASES = str.maketrans("aceopxyAEOPCXKMTHB", "асеорхуАЕОРСХКМТНВ")
_LEADING_NUMBER = re.compile(r"^\s*(?:\d{1,2}|[а-я])\s*[.)]\s+")


# Texts already cleaned: a region's forms repeat their groups, services, points and kinds in every row
# and file, and a dictionary lookup costs a tenth of cleaning a long text again (a sixth of reading a
# form went to this function). Emptied when full, so that it stays a few megabytes.
_CLEANED: dict[str, str] = {}
_CLEANED_MOST = 1 << 14


def clean(value: object) -> str:
    """A cell's value as the check sees it: text, trimmed, runs of spaces and tabs collapsed.

    Line breaks are kept (one, without empty lines): a list of interactions or needs typed one per
    line stays readable in the consolidated list. Comparisons ignore them (match_key, header_key).
    """
    if type(value) is str:  # nearly every cell: the checks below are skipped
        done = _CLEANED.get(value)
        if done is not None:
            return done
        done = _clean_text(value)
        if len(value) <= 1000:  # a long text is seldom repeated
            if len(_CLEANED) >= _CLEANED_MOST:
                _CLEANED.clear()
            _CLEANED[value] = done
        return done
    if value is None:
        return ""
    elif isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else str(value)  # no spaces to collapse
    else:
        text = value if isinstance(value, str) else str(value)
    return _clean_text(text)


def _clean_text(text: str) -> str:
    if "\n" in text or "\r" in text:
        lines = (" ".join(line.split()) for line in text.splitlines())
        return "\n".join(line for line in lines if line)
    return " ".join(text.split())


def match_key(value: str, fold_spaces_only: bool = False) -> str:
    """A key for comparing against a vocabulary: case, ё/е, quotes, spaces, hyphens and Latin
    look-alikes inside Cyrillic words do not matter. With fold_spaces_only hyphens are kept
    (used for regex matching of points)."""
    return _match_key(value if type(value) is str else clean(value), fold_spaces_only)


@lru_cache(maxsize=1 << 14)  # a batch repeats its groups, kinds and points in every file
def _match_key(value: str, fold_spaces_only: bool) -> str:
    text = clean(value).lower().replace("ё", "е")
    text = _MIXED_WORD.sub(lambda m: m.group(0).translate(_HOMOGLYPHS), text)
    text = re.sub(r"[«»\"“”„']", "", text)
    if fold_spaces_only:
        return text
    text = _LEADING_NUMBER.sub("", text)
    return re.sub(r"[\s\-–—_.;:,]+", "", text)


def header_key(value: object) -> str:
    """A header cell compared to the form: case, line breaks, repeated spaces, ё/е and footnote
    asterisks do not matter."""
    return _header_key(value if isinstance(value, str) else clean(value))


@lru_cache(maxsize=1 << 14)  # every file of a batch repeats the form's header, and its first rows' values
def _header_key(value: str) -> str:
    return _header_key_uncached(value)


def _header_key_uncached(value: object) -> str:
    text = clean(value).lower().replace("ё", "е").replace("*", "")
    text = re.sub(r"\s*([(),/№])\s*", r"\1", text)
    return _SPACES.sub(" ", text).strip(" .:;")


def fix_mixed_script(value: str) -> str:
    """Latin look-alike letters inside Cyrillic words typed as Cyrillic ones («реaбилитации» with a
    Latin a becomes Cyrillic throughout); the author still gets a warning for them."""
    if not value or not _MIXED_WORD.search(value):
        return value
    return _MIXED_WORD.sub(lambda m: m.group(0).translate(_HOMOGLYPHS_BOTH_CASES), value)


def mixed_script_words(value: str) -> list[str]:
    """Words that mix Cyrillic and Latin letters."""
    return _MIXED_WORD.findall(value or "")


def latin_letters(word: str) -> str:
    return "".join(ch for ch in word if "a" <= ch.lower() <= "z")
