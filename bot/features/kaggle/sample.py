"""Sample competitions for the offline console demo.

With no Kaggle credentials the console (only) uses this client instead of the real one, so
every `kaggle` command and its milestone can be tried. The data file holds realistic
competitions in Kaggle's ListCompetitions field names; deadlines are relative to the demo
clock, so they stay open however far `/wait` moves time. Every title says `[sample]`.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.features.kaggle.client import WEB_BASE_URL, Competition, parse_category

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.clock import Clock

DATA = Path(__file__).with_name("sample_competitions.json")


class SampleKaggleClient:
    """Answers `list_competitions` like `KaggleClient`, from the bundled sample."""

    sample = True

    def __init__(self, clock: Clock, path: Path = DATA) -> None:
        self.clock = clock
        self.items: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["competitions"]

    def _payload(self, item: dict[str, Any], now: datetime) -> dict[str, Any]:
        # Deadlines fall at 23:59 UTC, as Kaggle's do; relative to the demo clock's today.
        deadline = datetime.combine((now + timedelta(days=item["deadline_days"])).date(),
                                    time(23, 59), tzinfo=now.tzinfo)
        enabled = now - timedelta(days=item["enabled_days_ago"])
        url = f"{WEB_BASE_URL}/competitions/{item['ref']}"
        payload = {k: v for k, v in item.items() if k not in {"deadline_days", "enabled_days_ago", "tags"}}
        payload.update(ref=url, url=url, deadline=deadline.isoformat(), enabledDate=enabled.isoformat(),
                       tags=[{"ref": t, "name": t} for t in item.get("tags", [])])
        return payload

    async def list_competitions(self, *, category: str | None = None, search: str | None = None,
                                sort_by: str = "earliest-deadline", **_: Any) -> list[Competition]:
        now = self.clock.now()
        found = [Competition.from_api(self._payload(item, now)) for item in self.items]
        if category is not None:
            wanted = parse_category(category)
            found = [c for c in found if c.category == wanted]
        if search:
            needle = search.lower()
            found = [c for c in found if needle in c.title.lower() or needle in c.description.lower()]
        return sorted(found, key=lambda c: c.deadline or now)

    async def aclose(self) -> None:
        return None


def sample_client(_settings: Settings, clock: Clock) -> SampleKaggleClient:
    return SampleKaggleClient(clock)
