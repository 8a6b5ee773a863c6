"""The console: a progress bar per stage, plain tables, and the run's Ui."""
from __future__ import annotations

import sys

import click


class Progress:
    """A progress bar per stage on stderr; click draws it only on a terminal."""

    def __init__(self):
        self.bar = None

    def __call__(self, label: str, total: int):
        self.close()
        if total == 0:
            return lambda name: None
        self.bar = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True,
                                     item_show_func=lambda name: (name or "")[-50:])
        self.bar.__enter__()
        return lambda name: self.bar.update(1, name)

    def say(self, text: str) -> None:
        """A sentence on stderr, below a finished bar."""
        self.close()
        click.echo(text, err=True)

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# A Windows console is often no wider: a wider table wraps at the console's edge into a mess.
TABLE_WIDTH = 100
SHORT = 24  # a value this long is kept on one line
_GAP = "  "


def table_lines(headers: list[str], rows: list[list[str]], width: int = TABLE_WIDTH) -> list[str]:
    """A plain table no wider than `width`: the widest columns give way first, and a cell that does
    not fit goes on over more lines of its row (at spaces and «/» where it can)."""
    import textwrap

    n = len(headers)
    natural = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(n)]
    values = [max((len(str(r[i])) for r in rows), default=0) for i in range(n)]
    # Short values (a verdict, a date, a number) are not wrapped, only their header at its spaces; long
    # texts give way, down to their header's longest word.
    floor = [min(natural[i], max(values[i] if values[i] <= SHORT else 6, *(len(w) for w in headers[i].split())))
             for i in range(n)]
    # A header wider than its column's values wraps at its spaces rather than widen the column.
    widths = [max(values[i], *(len(w) for w in headers[i].split())) for i in range(n)]
    room = width - len(_GAP) * (n - 1)
    while sum(widths) > room:
        i = max(range(n), key=lambda k: (widths[k] - floor[k] > 0, widths[k]))
        if widths[i] <= floor[i]:
            break
        widths[i] -= 1
    while sum(widths) < room and any(widths[k] < natural[k] for k in range(n)):
        # Room left: to the column that still wraps most (a header on one line, then long texts).
        i = max(range(n), key=lambda k: (widths[k] < natural[k], natural[k] - widths[k]))
        widths[i] += 1

    def wrap(text: str, w: int) -> list[str]:
        text = str(text)
        if len(text) <= w:
            return [text]
        # A path breaks after its «/» as well as at spaces.
        return textwrap.wrap(text.replace("/", "/\u200b"), w) or [""]

    def block(cells) -> list[str]:
        parts = [[p.replace("\u200b", "") for p in wrap(c, w)] for c, w in zip(cells, widths)]
        height = max(len(p) for p in parts)
        return [_GAP.join((p[k] if k < len(p) else "").ljust(w) for p, w in zip(parts, widths)).rstrip()
                for k in range(height)]

    body = [block(r) for r in rows]
    if any(len(b) > 1 for b in body):
        # Rows of several lines: an empty line between rows shows where each begins.
        body = [b + [""] for b in body]
        body[-1].pop()
    return [*block(headers), _GAP.join("-" * w for w in widths), *(line for b in body for line in b)]


def print_table(headers: list[str], rows: list[list[str]], width: int = TABLE_WIDTH) -> None:
    for line in table_lines(headers, rows, width):
        click.echo(line)


def echo_wrapped(text: str, indent: str = "", width: int = TABLE_WIDTH) -> None:
    """A sentence on stdout, folded at spaces to `width`; lines after the first indented two more."""
    import textwrap

    click.echo(textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent + "  ",
                             break_long_words=False, break_on_hyphens=False))
