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


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [min(48, max(len(r[i]) for r in [headers, *rows])) for i in range(len(headers))]

    def line(cells):
        return "  ".join((c if len(c) <= w else c[: w - 1] + "…").ljust(w) for c, w in zip(cells, widths))

    click.echo(line(headers))
    click.echo("  ".join("-" * w for w in widths))
    for r in rows:
        click.echo(line(r))
