"""The application funnel as a PNG: one horizontal bar per step, widest at the top.

matplotlib's Agg backend into memory (no pyplot, no files), imported on first use so loading
the bot stays quick — the same pattern as the check-in heatmap.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

COLOURS = ("#4c78a8", "#5d8fc0", "#72a6d2", "#f2a541", "#54a24b")


def render(steps: Sequence[tuple[str, int]], *, title: str) -> bytes:
    """PNG bytes of a funnel: `steps` are (label, count), top to bottom."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.0, 0.6 + 0.55 * max(1, len(steps))), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.2, 0.08, 0.75, 0.78))
    widest = max((count for _, count in steps), default=0) or 1
    for row, (_label, count) in enumerate(steps):
        y = len(steps) - 1 - row
        width = count / widest
        axes.barh(y, width, left=(1 - width) / 2, height=0.8,
                  color=COLOURS[row % len(COLOURS)])
        axes.text(0.5, y, str(count), ha="center", va="center", fontsize=9,
                  color="#ffffff" if width > 0.12 else "#24292f")
    axes.set_yticks(range(len(steps)), [label for label, _ in reversed(steps)], fontsize=9)
    axes.set_xlim(0, 1)
    axes.set_xticks([])
    axes.tick_params(length=0)
    for side in axes.spines.values():
        side.set_visible(False)
    axes.set_title(title, fontsize=10, loc="left")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
