"""The /stats picture: bookings by period and the funnel, as PNG bytes.

Drawn on matplotlib's Agg canvas with an explicit Figure (no pyplot), so nothing global
is touched and it can run in a worker thread. DejaVu Sans, shipped with matplotlib, has
Cyrillic letters.

matplotlib (with numpy and Pillow, some 40 MiB) is imported by the first chart, not with
the bot: most processes never draw one."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

COLORS = ("#9ecae1", "#4292c6", "#08519c")
FUNNEL_COLOR = "#41ab5d"


@dataclass(frozen=True)
class ChartTexts:
    bookings_title: str
    funnel_title: str
    measures: Sequence[str]  # one label per booking measure, in the order of the values
    periods: Sequence[str]  # one label per period


def stats_chart(
    texts: ChartTexts,
    bookings: Sequence[Sequence[int]],
    funnel: Sequence[tuple[str, int]],
) -> bytes:
    """`bookings[p][m]`: measure m in period p; `funnel`: (stage label, count), widest first."""
    if len(bookings) != len(texts.periods) or any(
        len(values) != len(texts.measures) for values in bookings
    ):
        raise ValueError("one row of values per period, one value per measure")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(11, 4.6), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2, width_ratios=(3, 2))

    width = 0.8 / max(len(texts.periods), 1)
    positions = range(len(texts.measures))
    for index, (label, values) in enumerate(zip(texts.periods, bookings, strict=True)):
        offsets = [x + (index - (len(texts.periods) - 1) / 2) * width for x in positions]
        bars = left.bar(offsets, values, width, label=label, color=COLORS[index % len(COLORS)])
        left.bar_label(bars, fontsize=8, padding=1)
    left.set_xticks(list(positions), list(texts.measures), fontsize=9)
    left.set_title(texts.bookings_title)
    left.legend(fontsize=8)
    left.margins(y=0.15)
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    left.spines[["top", "right"]].set_visible(False)

    labels = [stage for stage, _ in funnel][::-1]
    counts = [count for _, count in funnel][::-1]
    widest = funnel[0][1] if funnel else 0
    bars = right.barh(labels, counts, color=FUNNEL_COLOR)
    right.bar_label(
        bars,
        labels=[
            f"{count} ({count * 100 // widest}%)" if widest else str(count) for count in counts
        ],
        fontsize=8,
        padding=2,
    )
    right.set_title(texts.funnel_title)
    right.margins(x=0.3)
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.spines[["top", "right"]].set_visible(False)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
