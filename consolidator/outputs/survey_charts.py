"""The survey's charts as pictures (PNG) for the monitoring report: the share satisfied by month, the
use of the sources, the mean score of every resource. The workbook has the same charts as its own
(outputs.survey_results); these are drawn with matplotlib, in the same colours.

matplotlib is imported here only, when the report is written: no other command pays for it.
"""
from __future__ import annotations

import io

from consolidator.outputs.survey_results import SERIES_COLOURS, month_label

WIDTH_CM, HEIGHT_CM, DPI = 16.5, 7.5, 200
_GREY = "#A6A6A6"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no screen: pictures only
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False, "svg.fonttype": "none"})
    return plt


def prepare() -> None:
    """matplotlib imported and set up, ahead of the charts (the run's second process does it early)."""
    _pyplot()


def _png(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return out.getvalue()


def _percent(value: float) -> str:
    return f"{value * 100:.0f} %"


def satisfaction_by_month(tally) -> bytes:
    """Columns: the share satisfied each month, with its 95% interval; a month with few answers grey."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(WIDTH_CM / 2.54, HEIGHT_CM / 2.54))
    groups = tally.by_month
    # The month over its year and the number of questionnaires: six months fit side by side.
    labels = [month_label(g.label).replace(" ", "\n", 1) + f"\n{g.answers} анк." for g in groups]
    values = [g.satisfied.value or 0 for g in groups]
    colours = ["#" + SERIES_COLOURS[0] if g.reliable else _GREY for g in groups]
    bars = ax.bar(range(len(groups)), values, color=colours, width=0.6)
    for i, g in enumerate(groups):
        interval = g.satisfied.interval
        if interval:
            ax.errorbar(i, values[i], yerr=[[values[i] - interval[0]], [interval[1] - values[i]]], color="#404040",
                        capsize=3, linewidth=0.8)
        if g.satisfied.n:
            ax.annotate(_percent(values[i]), (bars[i].get_x() + bars[i].get_width() / 2, 0.02), ha="center",
                        va="bottom", color="white" if g.reliable else "black", fontsize=8, fontweight="bold")
    ax.set_xticks(range(len(groups)), labels)
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(lambda v, _: _percent(v))
    ax.set_title("Доля удовлетворенных информацией, по месяцам (черта — 95-процентный интервал)", fontsize=9)
    ax.grid(axis="y", linewidth=0.3)
    ax.set_axisbelow(True)
    return _png(fig)


def use_by_source(tally) -> bytes:
    """Horizontal 100% bars: how often each source is used."""
    plt = _pyplot()
    sources = tally.sources
    fig, ax = plt.subplots(figsize=(WIDTH_CM / 2.54, (2.2 + 0.9 * len(sources)) / 2.54 * 1.6))
    answers = list(next(iter(tally.overall.use.values())).counts) if tally.overall.use else []
    left = [0.0] * len(sources)
    for j, answer in enumerate(answers):
        shares = [tally.overall.use[n].share(answer) or 0 for n, _ in sources]
        ax.barh(range(len(sources)), shares, left=left, color="#" + SERIES_COLOURS[j % len(SERIES_COLOURS)],
                label=answer, height=0.6)
        for i, share in enumerate(shares):
            if share >= 0.06:
                ax.text(left[i] + share / 2, i, _percent(share), ha="center", va="center", fontsize=8,
                        color="white" if j == 0 else "black")
        left = [a + b for a, b in zip(left, shares)]
    ax.set_yticks(range(len(sources)), [_wrap(name, 34) for _, name in sources])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: _percent(v))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(answers), frameon=False, fontsize=8)
    ax.set_title("Как часто пользуются источниками информации (доля ответивших)", fontsize=9)
    return _png(fig)


def mean_scores(tally) -> bytes:
    """Horizontal bars: each resource's mean score, the line at the profile's `good_mean`."""
    plt = _pyplot()
    sources = tally.sources
    fig, ax = plt.subplots(figsize=(WIDTH_CM / 2.54, (2.0 + 0.9 * len(sources)) / 2.54 * 1.5))
    means = [tally.overall.scores[n].mean or 0 for n, _ in sources]
    below = set(tally.below_good())
    colours = ["#" + SERIES_COLOURS[3] if n in below else "#" + SERIES_COLOURS[0] for n, _ in sources]
    ax.barh(range(len(sources)), means, color=colours, height=0.6)
    for i, (n, _) in enumerate(sources):
        scores = tally.overall.scores[n]
        if scores.n:
            ax.text(means[i] + 0.05, i, f"{means[i]:.2f}".replace(".", ",") + f"  (оценок: {scores.n})",
                    va="center", fontsize=8)
    ax.axvline(tally.good_mean, color="#C00000", linewidth=0.8, linestyle="--")
    ax.set_yticks(range(len(sources)), [_wrap(name, 34) for _, name in sources])
    ax.invert_yaxis()
    ax.set_xlim(0, 5.9)
    ax.set_xticks([0, 1, 2, 3, 4, 5])
    ax.set_title(f"Средняя оценка: насколько просто найти информацию (от 1 до 5; пунктир — "
                 f"{tally.good_mean:g})", fontsize=9)
    return _png(fig)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text
