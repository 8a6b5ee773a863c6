"""The order's list laid out on pages before a word processor sees it.

LibreOffice (7.4) lays out one long table in a time that grows with the square of its rows: the
order's list of 2,000 rows took 17 s of CPU to open, of 5,000 about 100 s (the same table read from
ODT is faster, and grows as badly). Borders, cell properties, header rows, unsplittable rows, the
section break, the compatibility settings: removing any of them changes the time by a quarter at most.
A run of short tables is laid out in linear time. So a long list is written as one table per page:
each with the form's header rows, the next beginning on a new page. Where the pages end is worked
out here, from the widths of Times New Roman's letters (serif_widths: Liberation Serif, which has the
same metrics) and the row's tallest cell.

Lines break where word processors break them: at spaces and after hyphens; a word wider than its
column, between letters; an address wider than its column counts a line more (a word processor
breaks it after its slashes, which may leave lines short). A page keeps a margin besides. Measured
on lists of random words (LibreOffice 7.4): the pages hold about 7 % fewer rows than the single
table's, and no page's rows overflowed; should they, the page's table goes on to the next page under
its repeated header rows, as the single table did.
"""
from __future__ import annotations

import re
from itertools import repeat
from collections.abc import Sequence

from consolidator.outputs import serif_widths

# Lists shorter than this stay one table: LibreOffice opens them in a few seconds, and the word
# processor chooses every page break itself.
PAGED_FROM_ROWS = 500
# A cell's text is narrower than the cell by its left and right padding (Word's and LibreOffice's
# default for a DOCX table: 108 twips each) and half of each border.
CELL_PADDING_TWIPS = 2 * 108 + 20
BORDER_TWIPS = 10  # a 0.5 pt line between rows
# What a page keeps free besides: the measure is an estimate.
PAGE_MARGIN_TWIPS = 140
_UNKNOWN = max(serif_widths.REGULAR.values())  # a letter the table lacks is taken as the widest
_CACHE_SIZE = 20_000
_AFTER_HYPHEN = re.compile(r"(?<=\w-)(?=\w)")


class Measure:
    """Lines and heights of text in Times New Roman of `size` points, in twips."""

    def __init__(self, size: float, bold: bool = False):
        self.scale = size * 20 / serif_widths.UNITS_PER_EM  # font units -> twips
        self.widths = serif_widths.BOLD if bold else serif_widths.REGULAR
        self.line = -(-serif_widths.LINE * size * 20 // serif_widths.UNITS_PER_EM)  # rounded up
        self.space = self.widths[" "] * self.scale
        self.widest = max(_UNKNOWN, *self.widths.values()) * self.scale  # no character is wider
        self._cache: dict[tuple[str, int], int] = {}

    def width(self, word: str) -> float:
        return sum(map(self.widths.get, word, repeat(_UNKNOWN))) * self.scale

    def lines(self, text: str, width: int) -> int:
        """How many lines `text` takes in a column `width` twips wide (at least one)."""
        if "\n" not in text and (len(text) * self.widest <= width or self.width(text) <= width):
            return 1  # the whole text fits on one line (spaces included): no need to break it into words
        key = (text, width)
        found = self._cache.get(key)
        if found is not None:
            return found
        n = sum(self._paragraph_lines(part, width) for part in text.split("\n"))
        if len(self._cache) > _CACHE_SIZE:
            self._cache.clear()
        self._cache[key] = n
        return n

    def _paragraph_lines(self, text: str, width: int) -> int:
        lines, used = 1, 0.0
        for word in text.split(" "):
            # A line may end at a space or after a hyphen between letters («кол-|центр»).
            for k, part in enumerate(_AFTER_HYPHEN.split(word) if "-" in word else (word,)):
                w = self.width(part)
                gap = self.space if k == 0 else 0.0
                if used and used + gap + w <= width:
                    used += gap + w
                    continue
                if used:
                    lines += 1
                if w <= width:
                    used = w
                    continue
                # A word wider than the column is broken between letters; an address, where the
                # word processor finds a place («https://|site.ru/|page»), which may leave a line
                # short: a line more, to be safe.
                if "/" in part or "." in part:
                    lines += 1
                used = 0.0
                for c in part:
                    cw = self.widths.get(c, _UNKNOWN) * self.scale
                    if used and used + cw > width:
                        lines += 1
                        used = 0.0
                    used += cw
        return lines

    def height(self, text: str, width: int) -> int:
        return self.lines(text, width) * self.line


def row_heights(columns: Sequence[Sequence[object]], widths: Sequence[int], measure: Measure) -> list[int]:
    """Each row's height in twips: its tallest cell, and the line below it. `columns`: the cells'
    texts, one list per column (all as long), `widths`: the columns' widths in twips."""
    if not columns:
        return []
    per_column = []
    for values, width in zip(columns, widths):
        # Each distinct text measured once, every cell's lines looked up at once: a list repeats its
        # groups, services and points (a Python step per cell took half the time of the order).
        room = max(width - CELL_PADDING_TWIPS, 1)
        lines = {v: measure.lines(v, room) for v in set(values) if v}
        per_column.append(list(map(lines.get, values, repeat(1))))
    if not per_column:  # no column to measure: every row one line
        return [measure.line + BORDER_TWIPS] * len(columns[0])
    tallest = list(map(max, zip(*per_column))) if len(per_column) > 1 else per_column[0]
    heights = {n: n * measure.line + BORDER_TWIPS for n in set(tallest)}
    return list(map(heights.__getitem__, tallest))


def page_starts(heights: Sequence[int], first_room: int, room: int) -> list[int]:
    """The rows that begin a page after the first: as many rows on each page as its room holds
    (`first_room` on the first, `room` on the others), one row at least."""
    starts, used, limit = [], 0, first_room
    for i, h in enumerate(heights):
        if used and used + h > limit:
            starts.append(i)
            used, limit = 0, room
        used += h
    return starts
