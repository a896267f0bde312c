"""A calendar heatmap of a member's check-ins: weeks left to right, Monday at the top.

Rendered with matplotlib's Agg backend into memory (no pyplot, no global state, no files),
imported on first use so loading the bot stays quick.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

# Colour per period status; days without a check-in stay pale.
COLOURS = {
    "done": "#1a7f37",
    "progress": "#6cc06c",
    "blocked": "#e3893b",
    "skipped": "#9db4d0",
    "paused": "#d0d7de",
    "missed": "#e5534b",
    "open": "#f2cc60",
}
LABELS = {
    "done": "Done",
    "progress": "Some progress",
    "blocked": "Blocked",
    "skipped": "Skipped",
    "paused": "Paused",
    "missed": "Missed",
    "open": "Open",
}
EMPTY = "#f6f8fa"
DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def first_day(today: date, weeks: int) -> date:
    """The Monday that starts a grid of `weeks` weeks ending with the week of `today`."""
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)


def render(days: dict[date, str], *, today: date, weeks: int, title: str) -> bytes:
    """PNG bytes of the grid."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    start = first_day(today, weeks)
    figure = Figure(figsize=(max(4.0, 1.2 + weeks * 0.38), 3.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.1, 0.28, 0.88, 0.58))
    drawn: set[str] = set()
    for week in range(weeks):
        for weekday in range(7):
            day = start + timedelta(weeks=week, days=weekday)
            status = days.get(day, "") if day <= today else ""
            drawn.add(status)
            colour = COLOURS.get(status, EMPTY)
            axes.add_patch(
                Rectangle(
                    (week + 0.05, 6 - weekday + 0.05),
                    0.9,
                    0.9,
                    facecolor=colour,
                    edgecolor="#ffffff" if day > today else "#d8dee4",
                    linewidth=0.6,
                )
            )
    axes.set_xlim(0, weeks)
    axes.set_ylim(0, 7)
    axes.set_yticks([6.5 - i for i in range(7)], DAY_LABELS, fontsize=7)
    step = max(1, weeks // 8)
    ticks = list(range(0, weeks, step))
    axes.set_xticks(
        [t + 0.5 for t in ticks],
        [(start + timedelta(weeks=t)).strftime("%d %b") for t in ticks],
        fontsize=7,
    )
    axes.tick_params(length=0)
    for side in axes.spines.values():
        side.set_visible(False)
    axes.set_title(title, fontsize=9, loc="left")
    used = [s for s in COLOURS if s in drawn] or ["done", "progress", "missed"]
    figure.legend(
        handles=[Patch(facecolor=COLOURS[s], label=LABELS[s]) for s in used],
        loc="lower center",
        ncol=min(len(used), 4),
        fontsize=7,
        frameon=False,
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
