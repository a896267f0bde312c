"""The history heatmap: a PNG whose cells carry each day's status colour."""

from __future__ import annotations

import io
from datetime import date, timedelta

import matplotlib.image
import numpy as np

from bot.features.checkins import heatmap


def _colours(png: bytes) -> set[tuple[int, int, int]]:
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")[:, :, :3]
    return {tuple(int(round(v * 255)) for v in p) for p in np.unique(pixels.reshape(-1, 3), axis=0)}


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def test_cells_are_coloured_by_status() -> None:
    today = date(2026, 3, 11)
    days = {today - timedelta(days=1): "done", today - timedelta(days=2): "missed"}
    png = heatmap.render(days, today=today, weeks=4, title="ada's check-ins")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    colours = _colours(png)
    assert _rgb(heatmap.COLOURS["done"]) in colours
    assert _rgb(heatmap.COLOURS["missed"]) in colours
    assert _rgb(heatmap.COLOURS["blocked"]) not in colours


def test_days_outside_the_grid_are_not_drawn() -> None:
    today = date(2026, 3, 11)
    png = heatmap.render({today - timedelta(weeks=10): "blocked"}, today=today, weeks=2, title="x")
    assert _rgb(heatmap.COLOURS["blocked"]) not in _colours(png)
    assert heatmap.first_day(today, 2) == date(2026, 3, 2)
