"""Where an invocation from any platform becomes a handler call, and errors become one line.

Adapters build a `Caller` and hand over either text (Slack, console), typed
arguments (Discord), or an action id (buttons, selects, modals). The dispatcher
opens one unit of work, makes sure the community and member exist, checks
permissions, converts and validates arguments, runs the handler and commits.
Any `PivotError` rolls back and becomes a one-line reply; anything else is
logged and the user gets a short apology, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock
from bot.core.commands import (
    NOT_YOURS,
    ActionRequest,
    Call,
    Choice,
    Command,
    FormRequest,
    HelpRequest,
    Kind,
    MemberRef,
    Registry,
    UsageError,
    convert,
    local_today,
    parse_text,
    with_defaults,
)
from bot.core.context import Context
from bot.core.errors import InvalidInput, NotAllowed, NotFound, PivotError
from bot.core.forms import form_params, form_reply, parse_submit
from bot.core.logcontext import log_context
from bot.core.messages import Reply, error_reply
from bot.core.metrics import COMMAND_SECONDS, timed
from bot.core.outbox import thread_post
from bot.core.tenancy import Member, ensure_caller, find_member
from bot.core.text import clean_text

if TYPE_CHECKING:
    from bot.core.feature import ThreadReplyHandler

log = logging.getLogger(__name__)

# A form field's longest accepted value (each TextInput may set a lower one).
MAX_FORM_VALUE = 4000


@dataclass(frozen=True)
class Caller:
    platform: str
    community_id: str
    user_id: str
    display_name: str = ""
    community_name: str = ""
    is_admin: bool = False


class Dispatcher:
    def __init__(
        self,
        registry: Registry,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        settings: Any,
        *,
        resources: Mapping[str, Any] | None = None,
        after_commit: Callable[[], None] | None = None,
        thread_replies: Mapping[str, ThreadReplyHandler] | None = None,
    ) -> None:
        self.registry = registry
        # Features' handlers for "someone wrote in a thread our post opened", by dedupe-key prefix.
        self.thread_replies = dict(thread_replies or {})
        self.session_factory = session_factory
        self.clock = clock
        self.settings = settings
        self.resources = resources if resources is not None else {}
        self.after_commit = after_commit

    # --- entry points ---------------------------------------------------------------------------

    async def run_text(self, caller: Caller, text: str, *, prefix: str = "") -> Reply:
        """Slack and the console: `goal add "Finish fast.ai" --by 2027-03-01`."""
        try:
            parsed = parse_text(self.registry, text, prefix=prefix)
        except UsageError as exc:
            return error_reply(str(exc), exc.usage)
        if isinstance(parsed, HelpRequest):
            return Reply(text=parsed.text, ephemeral=True)
        if isinstance(parsed, FormRequest):
            return form_reply(parsed.command, caller.user_id, prefix)
        assert isinstance(parsed, Call)
        return await self.run_command(caller, parsed.command, parsed.args, prefix=prefix)

    async def run_command(self, caller: Caller, command: Command, raw: Mapping[str, Any],
                          *, prefix: str = "", from_form: bool = False) -> Reply:
        """Discord (typed options) and the text path after parsing."""
        if command.form and not from_form and not any(v is not None and v is not False for v in raw.values()):
            # Discord: a form command run with no options at all (its options are all optional
            # there, so the form can ask for the required ones).
            return form_reply(command, caller.user_id, prefix)

        async def call(ctx: Context) -> Reply:
            if command.admin and not ctx.is_admin:
                raise NotAllowed(f"Only community admins can run `{command.name}`.")
            args = await self._convert(ctx, command, raw)
            reply = await command.handler(ctx, **args)
            if command.ephemeral and not reply.ephemeral:
                reply = _as_ephemeral(reply)
            return reply

        with timed(COMMAND_SECONDS, command.name), log_context(command=command.name):
            return await self._unit_of_work(caller, call, usage=prefix + command.usage, prefix=prefix)

    async def run_action(self, caller: Caller, action: str, values: Mapping[str, str] | None = None,
                         *, prefix: str = "") -> Reply:
        """A button click, a select choice or a modal submit."""
        form = parse_submit(action)
        if form is not None:
            return await self._submit_form(caller, *form, values or {}, prefix=prefix)
        async def call(ctx: Context) -> Reply:
            spec, args = self.registry.action_for(action)
            if spec.admin and not ctx.is_admin:
                raise NotAllowed("Only community admins can use this button.")
            fields = {key: clean_text(str(value), label=key.replace("_", " "), max_length=MAX_FORM_VALUE)
                      for key, value in (values or {}).items()}
            request = ActionRequest(args, fields)
            try:
                if not await spec.audience(ctx, request):
                    raise NotAllowed(NOT_YOURS)
                return await spec.handler(ctx, request)
            except (IndexError, ValueError) as exc:
                # A button id with missing or malformed arguments (forged, or from an old
                # version): nothing to do, and nothing to alarm anyone about.
                log.warning("malformed action %s: %s", action.split(":", 1)[0], type(exc).__name__)
                raise InvalidInput("That button no longer does anything.") from None

        name = "button " + action.split(":", 1)[0]
        with timed(COMMAND_SECONDS, name), log_context(command=name):
            return await self._unit_of_work(caller, call, prefix=prefix)

    async def _submit_form(self, caller: Caller, name: str, owner: str, values: Mapping[str, str],
                           *, prefix: str) -> Reply:
        """A form opened by a bare command: run the command with what was typed in it."""
        if owner != caller.user_id:
            return error_reply(NOT_YOURS)
        try:
            command = self.registry.get(name)
        except KeyError:
            return error_reply("That form no longer does anything.")
        fields = {p.name for p in form_params(command)}
        raw = {key: value for key, value in values.items() if key in fields and str(value).strip()}
        return await self.run_command(caller, command, raw, prefix=prefix, from_form=True)

    async def thread_message(self, caller: Caller, thread_id: str, *, channel: str | None = None) -> bool:
        """`caller` wrote in a thread (a Discord thread or forum post, the replies under a Slack
        message, a console thread). When one of our posts opened it and its feature listens,
        that feature is told who wrote there (never what). Returns whether one was told.

        A thread of nobody's costs one indexed lookup and writes nothing (no member row either).
        """
        if not self.thread_replies:
            return False
        with _caller_context(caller), log_context(command="thread reply"):
            async with self.session_factory() as session:
                found = await thread_post(session, caller.platform, caller.community_id, thread_id,
                                          channel=channel)
                handler = None if found is None else next(
                    (h for prefix, h in self.thread_replies.items() if found[1].startswith(prefix)), None)
                if found is None or handler is None:
                    return False
                try:
                    ctx = await self._context(session, caller)
                    await handler(ctx, found[1])
                    await session.commit()
                except PivotError as exc:
                    await session.rollback()
                    log.info("thread reply not recorded: %s", type(exc).__name__)
                    return False
                except Exception:
                    await session.rollback()
                    log.exception("recording a thread reply failed for %s:%s", caller.platform,
                                  caller.community_id)
                    return False
        if self.after_commit is not None:
            self.after_commit()
        return True

    async def autocomplete(self, caller: Caller, command: Command, param_name: str,
                           partial: str) -> list[Choice]:
        param = next(p for p in command.params if p.name == param_name)
        if param.autocomplete is None:
            return []
        async with self.session_factory() as session:
            ctx = await self._context(session, caller)
            try:
                return (await param.autocomplete(ctx, partial))[:25]
            except PivotError:
                return []

    def action_is_slow(self, action: str) -> bool:
        try:
            spec, _ = self.registry.action_for(action)
        except PivotError:
            return False
        return spec.slow

    # --- internals ------------------------------------------------------------------------------

    async def _context(self, session: AsyncSession, caller: Caller, prefix: str = "") -> Context:
        defaults = self.settings.community
        community, member = await ensure_caller(
            session, caller.platform, caller.community_id, caller.community_name, caller.user_id,
            caller.display_name, timezone=defaults.timezone, challenge_time=defaults.challenge_time)
        return Context(
            session=session,
            community=community,
            member=member,
            clock=self.clock,
            settings=self.settings,
            platform=caller.platform,
            is_admin=caller.is_admin,
            registry=self.registry,
            resources=self.resources,
            prefix=prefix,
        )

    async def _unit_of_work(self, caller: Caller, call: Callable[[Context], Any],
                            *, usage: str | None = None, prefix: str = "") -> Reply:
        with _caller_context(caller):
            return await self._unit_of_work_in_context(caller, call, usage=usage, prefix=prefix)

    async def _unit_of_work_in_context(self, caller: Caller, call: Callable[[Context], Any],
                                       *, usage: str | None, prefix: str) -> Reply:
        async with self.session_factory() as session:
            try:
                ctx = await self._context(session, caller, prefix)
                reply = await call(ctx)
                await session.commit()
            except PivotError as exc:
                await session.rollback()
                shown_usage = (exc.usage or usage) if isinstance(exc, UsageError) else None
                return error_reply(str(exc), shown_usage)
            except Exception:
                await session.rollback()
                log.exception("command failed for %s:%s", caller.platform, caller.community_id)
                return error_reply("Something went wrong on our side. It has been logged; please try again.")
        if self.after_commit is not None:
            self.after_commit()
        return reply

    async def _convert(self, ctx: Context, command: Command, raw: Mapping[str, Any]) -> dict[str, Any]:
        today = local_today(ctx.now(), ctx.tz.key)
        values: dict[str, Any] = {}
        for param in command.params:
            if param.name not in raw or raw[param.name] is None:
                if param.required:
                    raise UsageError(f"Missing {param.metavar}.")
                continue
            try:
                value = convert(param, raw[param.name], today=today)
            except UsageError:
                raise
            except InvalidInput as exc:
                raise UsageError(str(exc)) from None
            if param.kind is Kind.MEMBER:
                value = await resolve_member(ctx, value)
            values[param.name] = value
        return with_defaults(command, values)


async def resolve_member(ctx: Context, ref: MemberRef) -> Member:
    """A member of the caller's community, by platform id (trusted) or by name."""
    if ref.user_id is not None:
        if ref.user_id == ctx.member.platform_user_id:
            return ctx.member
        member = await find_member(ctx.session, ctx.community, ref.user_id)
        if member is None:
            raise NotFound(f"<@{ref.user_id}> hasn't used Pivot in this community yet.")
        return member
    name = (ref.name or "").lower()
    stmt = select(Member).where(
        Member.community_id == ctx.community.id,
        or_(func.lower(Member.display_name) == name, func.lower(Member.platform_user_id) == name),
    )
    rows = list((await ctx.session.execute(stmt)).scalars())
    if not rows:
        raise NotFound(f"No member called '{ref.name}' here.")
    if len(rows) > 1:
        raise InvalidInput(f"More than one member is called '{ref.name}'; mention them instead.")
    return rows[0]


def _caller_context(caller: Caller) -> AbstractContextManager[None]:
    return log_context(platform=caller.platform, community=caller.community_id)


def _as_ephemeral(reply: Reply) -> Reply:
    return replace(reply, ephemeral=True)
