"""Hypothesis fuzzing of Discord APPLICATION_COMMAND interactions built from the registry.

Every command's options become interaction JSON with wrong-typed values, huge strings, missing
required options, unknown options and unknown or extra nested subcommands, sent through the fake
gateway to the real adapter. Each must be answered (no crash), leave no ERROR line or traceback,
and when the answer is an error, no table may have gained or lost a row.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.discord.commands import SUB_COMMAND, SUB_COMMAND_GROUP, build_payload
from bot.adapters.discord.render import ERROR_COLOR
from tests.adapters.discord.conftest import DiscordBot
from tests.fuzz.tables import row_counts, tracebacks

ODD_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=3000, max_size=7000),
    st.sampled_from(["", " ", "\x00", "<@0>", "@everyone", "#1", "-1", "1e309", "NaN", "9" * 40]),
)
ANY_VALUE = st.one_of(
    ODD_TEXT,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _leaves(payload: list[dict[str, Any]]) -> list[tuple[list[tuple[str, int]], dict[str, Any]]]:
    """(path of (name, type) below the top command, leaf spec) for every runnable command."""
    found: list[tuple[list[tuple[str, int]], dict[str, Any]]] = []

    def walk(spec: dict[str, Any], path: list[tuple[str, int]]) -> None:
        subs = [o for o in spec.get("options", []) if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        if not subs:
            found.append((path, spec))
        for sub in subs:
            walk(sub, [*path, (sub["name"], sub["type"])])

    for top in payload:
        walk(top, [(top["name"], 1)])
    return found


@st.composite
def interaction_data(draw: st.DrawFn, leaves: list[Any]) -> dict[str, Any]:
    path, spec = draw(st.sampled_from(leaves))
    options: list[dict[str, Any]] = []
    for option in spec.get("options", []):
        how = draw(st.sampled_from(["omit", "wrong", "same-type"]))
        if how == "omit":
            continue
        value = draw(ANY_VALUE)
        if how == "same-type" and option["type"] == 3:
            value = draw(ODD_TEXT)
        options.append({"name": option["name"], "type": option["type"], "value": value})
    for name in draw(st.lists(st.text(min_size=1, max_size=12), max_size=2)):
        options.append({"name": name, "type": draw(st.sampled_from([3, 4, 5, 10])), "value": draw(ANY_VALUE)})
    if draw(st.booleans()):  # an extra, unknown nested subcommand level
        options = [{"name": draw(st.text(min_size=1, max_size=12)), "type": SUB_COMMAND, "options": options}]
    if len(path) > 1 and draw(st.integers(0, 4)) == 0:  # a subcommand that does not exist
        path = [*path[:-1], (draw(st.text(min_size=1, max_size=12)), path[-1][1])]
    # Nest the options under the path's subcommands as Discord does.
    for name, kind in reversed(path[1:]):
        options = [{"name": name, "type": kind, "options": options}]
    return {"name": path[0][0], "type": 1, "options": options}


@pytest.fixture
def leaves(bot: DiscordBot) -> list[Any]:
    return _leaves(build_payload(bot.app.registry))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_fuzzed_typed_options_never_crash_or_write_on_rejection(
    bot: DiscordBot, leaves: list[Any], caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    fake = bot.fake
    ada = fake.member("ada")
    if not fake.responses:  # first contact once, so members and the community exist already
        await fake.response(await fake.slash(ada, "goal list"))
    drawn = data.draw(interaction_data(leaves))
    top = next(c for c in fake.commands[fake.guild_id] + fake.commands[None] if c["name"] == drawn["name"])
    before = await row_counts(bot.app)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        interaction = await fake.dispatch(
            fake._new_interaction(2, ada, {"id": top["id"], "guild_id": fake.guild_id, **drawn})
        )
        [answer] = await fake.response(interaction)
    assert not tracebacks(caplog.records), tracebacks(caplog.records)
    embeds = (answer.json.get("data") or {}).get("embeds") or []
    if any(e.get("color") == ERROR_COLOR for e in embeds):
        assert await row_counts(bot.app) == before
