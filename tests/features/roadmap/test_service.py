from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.core.tenancy import ensure_community, ensure_member
from bot.features.roadmap import service
from bot.features.roadmap.milestones import (
    AUTO_KEYS,
    STEPS,
    MilestoneDataError,
    for_auto,
    load,
    milestones,
)
from bot.features.roadmap.models import MilestoneCheck
from tests.conftest import ConsoleHarness


def test_every_step_has_at_least_six_milestones_and_every_auto_key_a_home() -> None:
    for step in STEPS:
        assert len([m for m in milestones() if m.step == step]) >= 6
    for key in AUTO_KEYS:
        assert for_auto(key) is not None, key


def test_loader_rejects_bad_data(tmp_path: Path) -> None:
    bad = tmp_path / "m.toml"
    bad.write_text('[[milestone]]\nid="basics-1"\nstep="cooking"\ntitle="t"\ndetail="d"\n'
                   'resource="r"\nurl="https://x"\n')
    with pytest.raises(MilestoneDataError, match="unknown step cooking"):
        load(bad)


async def test_mark_auto_checks_once(app: App, clock) -> None:
    async with app.session_factory() as session:
        community = await ensure_community(session, "console", "c1")
        member = await ensure_member(session, community, "ada")
        first = await service.mark_auto(session, member, "kaggle-entered", now=clock.now())
        again = await service.mark_auto(session, member, "kaggle-entered", now=clock.now())
        await session.commit()
    assert first is not None and first.step == "community"
    assert again is None
    async with app.session_factory() as session:
        rows = list((await session.execute(select(MilestoneCheck))).scalars())
    assert [(r.milestone_id, r.source) for r in rows] == [(first.id, "auto")]


async def test_roadmap_commands(console: ConsoleHarness) -> None:
    out = await console.say("roadmap check basics-2")
    assert "✅" in out and "1/9" in out
    assert "already checked" in await console.say("roadmap check basics-2")
    step = await console.say("roadmap step basics")
    assert "✅ basics-2" in step and "⬜ basics-1" in step and "https://" in step
    assert "There's no milestone 'basics-99'" in await console.say("roadmap check basics-99")
    assert "unchecked" in await console.say("roadmap uncheck basics-2")
    assert "wasn't checked" in await console.say("roadmap uncheck basics-2")
    bars = await console.say("roadmap")
    assert "1. ML basics  ▱▱▱▱▱▱▱▱▱▱ 0/9" in bars
    assert "Next up: basics-1" in bars
