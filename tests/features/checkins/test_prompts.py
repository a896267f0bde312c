"""The prompt DM the tick writes in bulk is exactly what `Reply.to_json` would write."""

from __future__ import annotations

import pytest

from bot.core.messages import Reply
from bot.features.checkins import prompts
from bot.features.checkins.service import Digest


@pytest.mark.parametrize(
    ("goals", "private", "plan"),
    [([prompts.GoalLine(3, "Finish fast.ai", 40)], 1, "lesson 4"), ([], 0, None), ([], 2, None)],
)
def test_prompt_json_matches_reply_to_json(
    goals: list[prompts.GoalLine], private: int, plan: str | None
) -> None:
    built = prompts.prompt_json("ada", 12345, "weekly", goals, private, plan)
    reply = prompts.prompt("ada", 12345, "weekly", goals, private, plan)
    assert built == reply.to_json()
    assert Reply.from_json(built) == reply
    actions = [b["action"] for b in built["buttons"]]
    assert actions == [
        "checkin.answer:12345:done",
        "checkin.answer:12345:progress",
        "checkin.answer:12345:blocked",
        "checkin.answer:12345:skipped",
        "checkin.compose:12345",
    ]
    assert built["buttons"][-1]["modal"]["submit_action"] == "checkin.write:12345"


def test_reply_json_matches_for_every_post() -> None:
    digest = prompts.digest(Digest("2026-W10", 3, 2, 10, 7, [("u1", 4)], [("u1", "stuck")], 1))
    for reply in (prompts.reminder("ada", 7), prompts.buddy_nudge("u2"), digest):
        assert prompts.reply_json(reply) == reply.to_json()
