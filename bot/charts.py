"""The /stats picture (bookings by period and the funnel) and the check-ins' progress, as
PNG bytes.

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


@dataclass(frozen=True)
class ScaleLine:
    """One scale's totals over time (oldest first) and its band floors."""

    label: str
    days: Sequence[str]  # one label per total
    totals: Sequence[int]
    most: int
    bands: Sequence[tuple[int, str]]  # (lowest total, band label), in order


BAND_SHADES = ("#edf8e9", "#fff7bc", "#fee391", "#fdae6b", "#fc9272")


def progress_chart(title: str, lines: Sequence[ScaleLine]) -> bytes:
    """Check-in totals over time: one panel per scale, its bands shaded behind (lower is
    better on both scales)."""
    if not lines or any(len(line.days) != len(line.totals) for line in lines):
        raise ValueError("one day label per total, and at least one scale")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 2.8 * len(lines)), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title)
    axes = figure.subplots(len(lines), 1, squeeze=False)
    for (panel,), line in zip(axes, lines, strict=True):
        floors = [lowest for lowest, _ in line.bands] + [line.most + 1]
        for index, (lowest, label) in enumerate(line.bands):
            top = floors[index + 1] - 0.5 if index + 1 < len(line.bands) else line.most
            last = index == len(line.bands) - 1  # the severe band: the same red on each
            shade = BAND_SHADES[-1] if last else BAND_SHADES[index % len(BAND_SHADES)]
            panel.axhspan(max(lowest - 0.5, 0), top, color=shade, zorder=0)
            panel.text(
                1.01,
                (lowest + top) / 2,
                label,
                transform=panel.get_yaxis_transform(),
                fontsize=7,
                va="center",
            )
        positions = list(range(len(line.totals)))
        panel.plot(positions, list(line.totals), marker="o", color=COLORS[2], zorder=2)
        for x, total in zip(positions, line.totals, strict=True):
            panel.annotate(
                str(total),
                (x, total),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=8,
            )
        panel.set_xticks(positions, list(line.days), fontsize=8)
        panel.set_ylim(0, line.most)
        panel.set_xlim(-0.5, max(len(positions) - 0.5, 0.5))
        panel.set_title(line.label, fontsize=10, loc="left")
        panel.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def clients_chart(
    title: str, scales: Sequence[tuple[str, int]], clients: Sequence[tuple[str, Sequence[int]]]
) -> bytes:
    """A therapist's clients' latest check-in totals: `scales` (label, most), `clients`
    (name, one total per scale, -1 where none), each total as a share of its scale."""
    if not clients or any(len(totals) != len(scales) for _, totals in clients):
        raise ValueError("one total per scale for each client, and at least one client")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 1.2 + 0.5 * len(clients)), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    panel = figure.subplots()
    height = 0.8 / len(scales)
    rows = range(len(clients))
    for index, (label, most) in enumerate(scales):
        offsets = [row + (index - (len(scales) - 1) / 2) * height for row in rows]
        shares = [max(totals[index], 0) / most for _, totals in clients]
        bars = panel.barh(offsets, shares, height, label=label, color=COLORS[1 + index % 2])
        panel.bar_label(
            bars,
            labels=[str(totals[index]) if totals[index] >= 0 else "—" for _, totals in clients],
            fontsize=8,
            padding=2,
        )
    panel.set_yticks(list(rows), [name for name, _ in clients], fontsize=9)
    panel.invert_yaxis()
    panel.set_xlim(0, 1.1)
    panel.set_xticks([])
    panel.set_title(title, fontsize=10)
    panel.legend(fontsize=8, loc="lower right")
    panel.spines[["top", "right", "bottom"]].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def practice_chart(
    title: str,
    measures: Sequence[str],
    periods: Sequence[str],
    shares: Sequence[Sequence[float | None]],
) -> bytes:
    """The practice's rates (`shares[p][m]`: measure m over period p, 0–1, None where
    there was nothing to count) as grouped bars in per cent."""
    if len(shares) != len(periods) or any(len(row) != len(measures) for row in shares):
        raise ValueError("one row of shares per period, one share per measure")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    panel = figure.subplots()
    width = 0.8 / max(len(periods), 1)
    positions = range(len(measures))
    for index, (label, row) in enumerate(zip(periods, shares, strict=True)):
        offsets = [x + (index - (len(periods) - 1) / 2) * width for x in positions]
        values = [0.0 if share is None else 100 * share for share in row]
        bars = panel.bar(offsets, values, width, label=label, color=COLORS[index % len(COLORS)])
        panel.bar_label(
            bars,
            labels=["—" if share is None else f"{round(100 * share)}%" for share in row],
            fontsize=8,
            padding=1,
        )
    panel.set_xticks(list(positions), list(measures), fontsize=9)
    panel.set_ylim(0, 110)
    panel.set_ylabel("%")
    panel.set_title(title)
    panel.legend(fontsize=8)
    panel.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
