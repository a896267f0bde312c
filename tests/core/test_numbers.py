"""Per-community numbers and first contact under concurrency, on the backend under test."""

from __future__ import annotations

import asyncio

from sqlalchemy import event, func, select

from bot.app import App
from bot.core.dispatch import Caller
from bot.core.numbers import next_number
from bot.core.tenancy import Community, Member, ensure_caller
from bot.features.goals.models import Goal


async def test_32_concurrent_goal_adds_in_a_new_community_get_1_to_32(app: App) -> None:
    # A community nobody has used yet: its first 32 commands race the community's and the
    # members' first contact as well as the numbers.
    callers = [Caller("discord", "g-new", f"u{i % 8}", f"member{i % 8}", "New") for i in range(32)]
    replies = await asyncio.gather(
        *(app.dispatcher.run_text(c, f'goal add "goal {i}"') for i, c in enumerate(callers))
    )
    assert [r for r in replies if r.error] == []
    async with app.session_factory() as session:
        numbers = sorted((await session.execute(select(Goal.number))).scalars())
        communities = (await session.execute(select(func.count()).select_from(Community))).scalar_one()
        members = (await session.execute(select(func.count()).select_from(Member))).scalar_one()
    assert numbers == list(range(1, 33))
    assert (communities, members) == (1, 8)


async def test_numbers_are_per_community_and_per_kind(app: App) -> None:
    async with app.session_factory() as session:
        a = Community(platform="slack", external_id="T1", name="a")
        b = Community(platform="slack", external_id="T2", name="b")
        session.add_all([a, b])
        await session.flush()
        got = [await next_number(session, a.id, "goal"), await next_number(session, a.id, "goal"),
               await next_number(session, b.id, "goal"), await next_number(session, a.id, "project")]
        await session.commit()
    assert got == [1, 2, 1, 1]


async def test_a_rolled_back_command_does_not_use_up_its_number(app: App) -> None:
    caller = Caller("console", "local", "ada", "ada")
    await app.dispatcher.run_text(caller, 'goal add "first"')
    refused = await app.dispatcher.run_text(caller, 'goal add "too late" --by 2000-01-01')
    assert refused.error
    reply = await app.dispatcher.run_text(caller, 'goal add "second"')
    assert "#2" in reply.text


async def test_mentioning_someone_who_never_used_pivot_creates_no_member(app: App) -> None:
    caller = Caller("discord", "g1", "u1", "ada")
    await app.dispatcher.run_text(caller, "goal list")
    reply = await app.dispatcher.run_text(caller, "goal list --member <@999>")
    assert reply.error and "hasn't used Pivot" in reply.text
    async with app.session_factory() as session:
        ids = set((await session.execute(select(Member.platform_user_id))).scalars())
    assert ids == {"u1"}


async def test_a_known_caller_costs_one_query_and_a_new_name_is_kept(app: App) -> None:
    ada = Caller("slack", "T9", "U1", "ada", "Team Nine")
    assert not (await app.dispatcher.run_text(ada, "goal list")).error
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(app.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with app.session_factory() as session:
            community, member = await ensure_caller(session, "slack", "T9", "Team Nine", "U1", "ada")
        assert len(statements) == 1, statements  # community and member in one round trip
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", count)

    renamed = Caller("slack", "T9", "U1", "Ada L.", "Team 9")
    assert not (await app.dispatcher.run_text(renamed, "goal list")).error
    grace = Caller("slack", "T9", "U2", "grace", "")  # no name given: the community keeps its own
    assert not (await app.dispatcher.run_text(grace, "goal list")).error
    async with app.session_factory() as session:
        names = sorted((await session.execute(select(Member.display_name))).scalars())
        communities = list((await session.execute(select(Community.name))).scalars())
    assert names == ["Ada L.", "grace"] and communities == ["Team 9"]
    assert member.id and community.external_id == "T9"
