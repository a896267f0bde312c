"""The check-in DM: its buttons carry the period, and survive the outbox round trip."""

from __future__ import annotations

import pytest

from bot.core.messages import Reply
from bot.features.checkins import prompts


@pytest.mark.parametrize(
    ("goals", "private", "plan"),
    [([prompts.GoalLine(3, "Finish fast.ai", 40)], 1, "lesson 4"), ([], 0, None), ([], 2, None)],
)
def test_prompt_buttons_and_round_trip(
    goals: list[prompts.GoalLine], private: int, plan: str | None
) -> None:
    reply = prompts.prompt("ada", 12345, "weekly", goals, private, plan)
    assert Reply.from_json(reply.to_json()) == reply
    assert [b.action for b in reply.buttons] == [
        "checkin.answer:12345:done",
        "checkin.answer:12345:progress",
        "checkin.answer:12345:blocked",
        "checkin.answer:12345:skipped",
        "checkin.compose:12345",
    ]
    modal = reply.buttons[-1].modal
    assert modal is not None and modal.submit_action == "checkin.write:12345"
    if plan:
        assert f"Last time you planned: _{plan}_" in reply.text
    if private:
        assert f"plus {private} private goal" in reply.text
