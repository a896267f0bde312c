"""Kaggle: competitions a learner can enter, posted to a channel, with follows and deadline reminders.

`kaggle list|show|follow|unfollow|entered`, `admin kaggle categories|poll-now|follow|unfollow`.
Without credentials the feature is off: one log line at start, and `kaggle …` explains how to enable it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.feature import Feature
from bot.core.messages import Field
from bot.features.kaggle import service
from bot.features.kaggle.commands import admin_kaggle, kaggle
from bot.features.kaggle.jobs import TICKS
from bot.features.kaggle.sample import sample_client

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.context import Context
    from bot.features.kaggle.client import KaggleClient


def _resource(settings: Settings) -> KaggleClient | None:
    return service.build_client(settings)


async def _summary(ctx: Context) -> list[Field]:
    prefs = await service.community_settings(ctx.session, ctx.community.id)
    categories = (
        ", ".join(service.wanted_categories(prefs, ctx.settings.kaggle.categories)) or "none"
    )
    if prefs.categories is None:
        categories += " (default)"
    if ctx.resources.get("kaggle") is None:
        status = "off — set KAGGLE_USERNAME and KAGGLE_KEY (or KAGGLE_API_TOKEN) and restart"
    else:
        state = await service.poll_state(ctx.session)
        sample = getattr(ctx.resources.get("kaggle"), "sample", False)
        parts = ["on with SAMPLE DATA (offline demo; set KAGGLE_USERNAME and KAGGLE_KEY for live "
                 "competitions)" if sample else "on"]
        if state is None or state.last_success_at is None:
            parts.append("no successful poll yet")
        else:
            when = service.format_moment(state.last_success_at, ctx.tz)
            parts.append(
                f"last successful poll {when} ({state.competitions_seen} open competitions)"
            )
        if state is not None and state.last_error and state.last_error_at is not None:
            at = service.format_moment(state.last_error_at, ctx.tz)
            parts.append(f"last error {at}: {state.last_error}")
        status = " · ".join(parts)
    return [Field("Kaggle", status), Field("Kaggle categories", categories)]


FEATURE = Feature(
    name="kaggle",
    groups=[kaggle, admin_kaggle],
    ticks=TICKS,
    settings_summary=_summary,
    resource=_resource,
    demo_resource=sample_client,
)
