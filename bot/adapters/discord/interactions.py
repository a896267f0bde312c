"""Interactions → the dispatcher, and replies back within Discord's three-second window.

Every interaction arrives at one listener and is routed by what it carries — the
command path, or the component's custom id (which *is* the registry action id) —
so a button posted last week works after any number of restarts: there are no
View objects and no timeouts.

Timing: Discord drops an interaction that is not answered within 3 s. A command
declared `slow` (or a slow action) is deferred at once (type 5, "thinking…") and
its reply edits that placeholder; anything else is answered directly (type 4),
and if it still takes longer than `defer_after` seconds it is deferred then.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import discord
from discord.http import Route
from sqlalchemy import select

from bot.adapters.discord.client import PivotHTTPClient
from bot.adapters.discord.commands import (
    choice_value,
    command_index,
    focused,
    invoked,
    raw_args,
    uses_local_choices,
)
from bot.adapters.discord.render import (
    EPHEMERAL,
    OutgoingMessage,
    modal_payload,
    modals_of,
    render,
    trim,
)
from bot.adapters.discord.sender import send
from bot.core.commands import Command
from bot.core.dispatch import Caller
from bot.core.messages import Modal, Reply, error_reply
from bot.core.outbox import OutboxMessage
from bot.core.tenancy import Community

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

PLATFORM = "discord"
PREFIX = "/"
# https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, AUTOCOMPLETE_RESULT, MODAL = 4, 5, 8, 9
DEFER_AFTER_SECONDS = 2.0


class ModalBook:
    """Which button opens which form. Filled whenever a reply is rendered; after a restart the
    outbox row of the clicked message tells again (see `Interactions._posted`)."""

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._modals: OrderedDict[str, Modal] = OrderedDict()

    def remember(self, reply: Reply) -> None:
        for custom_id, modal in modals_of(reply).items():
            self.put(custom_id, modal)

    def put(self, custom_id: str, modal: Modal) -> None:
        self._modals[custom_id] = modal
        self._modals.move_to_end(custom_id)
        while len(self._modals) > self.size:
            self._modals.popitem(last=False)

    def get(self, custom_id: str) -> Modal | None:
        return self._modals.get(custom_id)


def is_admin(interaction: discord.Interaction) -> bool:
    """Manage Server or Administrator, from the permissions Discord resolved for this member."""
    if interaction.guild_id is None:
        return False
    permissions = interaction.permissions
    return permissions.manage_guild or permissions.administrator


def modal_fields(data: Mapping[str, Any]) -> dict[str, str]:
    """Text input values by custom id, from action rows or label components."""
    values: dict[str, str] = {}
    for row in data.get("components") or []:
        children = row.get("components") or ([row["component"]] if "component" in row else [])
        for child in children:
            if "custom_id" in child and child.get("value") is not None:
                values[child["custom_id"]] = str(child["value"])
    return values


class Interactions:
    def __init__(
        self,
        app: App,
        http: Callable[[], PivotHTTPClient],
        modals: ModalBook,
        *,
        defer_after: float = DEFER_AFTER_SECONDS,
    ) -> None:
        self.app = app
        self._http = http
        self.modals = modals
        self.defer_after = defer_after

    @property
    def commands(self) -> dict[tuple[str, ...], Command]:
        return command_index(self.app.registry)

    async def handle(self, interaction: discord.Interaction) -> None:
        kind = interaction.type
        try:
            if kind is discord.InteractionType.application_command:
                await self._command(interaction)
            elif kind is discord.InteractionType.autocomplete:
                await self._autocomplete(interaction)
            elif kind is discord.InteractionType.component:
                await self._component(interaction)
            elif kind is discord.InteractionType.modal_submit:
                await self._modal_submit(interaction)
        except Exception:
            log.exception("interaction %s (type %s) failed", interaction.id, kind)

    # --- who is asking ----------------------------------------------------------------------

    def _caller(self, interaction: discord.Interaction, community_id: str) -> Caller:
        guild = interaction.guild
        return Caller(
            platform=PLATFORM,
            community_id=community_id,
            user_id=str(interaction.user.id),
            display_name=interaction.user.display_name,
            community_name=getattr(guild, "name", None) or "",  # partial guilds may lack it
            is_admin=is_admin(interaction),
        )

    async def _posted(self, interaction: discord.Interaction) -> tuple[str, Reply] | None:
        """The community and reply of the outbox post this interaction's message came from."""
        if interaction.message is None:
            return None
        stmt = (
            select(Community.external_id, OutboxMessage.payload)
            .join(Community, Community.id == OutboxMessage.community_id)
            .where(
                OutboxMessage.platform == PLATFORM,
                OutboxMessage.platform_message_id == str(interaction.message.id),
            )
            .limit(1)
        )
        async with self.app.session_factory() as session:
            row = (await session.execute(stmt)).first()
        return None if row is None else (row[0], Reply.from_json(row[1]))

    async def _community(self, interaction: discord.Interaction) -> str | None:
        if interaction.guild_id is not None:
            return str(interaction.guild_id)
        posted = await self._posted(interaction)  # a button in a DM Pivot sent
        return posted[0] if posted else None

    # --- the four interaction types ---------------------------------------------------------

    async def _command(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        path, options = invoked(data)
        command = self.commands.get(path)
        if command is None or interaction.guild_id is None:
            text = (
                "Pivot's commands work inside a server."
                if interaction.guild_id is None
                else "This command changed; an admin needs to run `python -m bot discord-commands --sync`."
            )
            await self._answer_now(interaction, error_reply(text))
            return
        caller = self._caller(interaction, str(interaction.guild_id))
        args = raw_args(command, options, data.get("resolved"))
        await self._respond(
            interaction,
            lambda: self.app.dispatcher.run_command(caller, command, args, prefix=PREFIX),
            slow=command.slow,
            ephemeral=command.ephemeral,
        )

    async def _autocomplete(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        path, options = invoked(data)
        command = self.commands.get(path)
        focus = focused(options)
        choices: list[dict[str, Any]] = []
        if command is not None and focus is not None and interaction.guild_id is not None:
            name, partial = focus
            param = next((p for p in command.params if p.option_name == name), None)
            if param is not None:
                if uses_local_choices(param):
                    found = [(c, c) for c in param.choices if partial.lower() in c.lower()]
                else:
                    caller = self._caller(interaction, str(interaction.guild_id))
                    offered = await self.app.dispatcher.autocomplete(
                        caller, command, param.name, partial
                    )
                    found = [(c.label, c.value) for c in offered]
                for label, value in found:
                    typed = choice_value(param, value)
                    if typed is not None:
                        choices.append({"name": trim(label or value, 100), "value": typed})
        await self._callback(
            interaction, {"type": AUTOCOMPLETE_RESULT, "data": {"choices": choices[:25]}}
        )

    async def _component(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        modal = self.modals.get(custom_id)
        posted: tuple[str, Reply] | None = None
        if modal is None or interaction.guild_id is None:
            posted = await self._posted(interaction)
            if modal is None and posted is not None:
                modal = modals_of(posted[1]).get(custom_id)
        if modal is not None:
            self.modals.put(custom_id, modal)
            await self._callback(interaction, {"type": MODAL, "data": modal_payload(modal)})
            return
        community = (
            str(interaction.guild_id)
            if interaction.guild_id is not None
            else (posted[0] if posted else None)
        )
        if community is None:
            await self._answer_now(
                interaction, error_reply("This button only works for posts from Pivot.")
            )
            return
        values = data.get("values") or []
        caller = self._caller(interaction, community)
        await self._respond(
            interaction,
            lambda: self.app.dispatcher.run_action(
                caller, custom_id, {"value": values[0]} if values else None, prefix=PREFIX
            ),
            slow=self.app.dispatcher.action_is_slow(custom_id),
            ephemeral=True,
        )

    async def _modal_submit(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        community = await self._community(interaction)
        if community is None:
            await self._answer_now(
                interaction, error_reply("This form only works for posts from Pivot.")
            )
            return
        caller = self._caller(interaction, community)
        values = modal_fields(data)
        await self._respond(
            interaction,
            lambda: self.app.dispatcher.run_action(caller, custom_id, values, prefix=PREFIX),
            slow=self.app.dispatcher.action_is_slow(custom_id),
            ephemeral=True,
        )

    # --- answering ----------------------------------------------------------------------------

    async def _respond(
        self,
        interaction: discord.Interaction,
        run: Callable[[], Awaitable[Reply]],
        *,
        slow: bool,
        ephemeral: bool,
    ) -> None:
        """Answer directly when the reply is quick, else defer (ephemeral as the command is)
        and deliver the reply into the deferred response."""
        deferred = False
        if slow:
            await self._defer(interaction, ephemeral)
            deferred = True
        task = asyncio.ensure_future(run())
        if not deferred:
            done, _ = await asyncio.wait({task}, timeout=self.defer_after)
            if not done:
                await self._defer(interaction, ephemeral)
                deferred = True
        reply = await task
        if not deferred:
            await self._answer_now(interaction, reply)
            return
        messages = self._render(reply)
        if reply.ephemeral == ephemeral:
            first, rest = messages[0], messages[1:]
            first.payload.pop("flags", None)
            await send(
                self._http(), self._webhook(interaction, "PATCH", "/messages/@original"), first
            )
        else:
            # The placeholder is visible to the wrong audience: remove it, answer in follow-ups.
            await self._http().request(self._webhook(interaction, "DELETE", "/messages/@original"))
            rest = messages
        for message in rest:
            await send(self._http(), self._webhook(interaction, "POST", ""), message)

    async def _answer_now(self, interaction: discord.Interaction, reply: Reply) -> None:
        first, *rest = self._render(reply)
        await send(
            self._http(),
            self._callback_route(interaction),
            first,
            {"type": CHANNEL_MESSAGE, "data": first.payload},
        )
        for message in rest:
            await send(self._http(), self._webhook(interaction, "POST", ""), message)

    async def _defer(self, interaction: discord.Interaction, ephemeral: bool) -> None:
        data = {"flags": EPHEMERAL} if ephemeral else {}
        await self._callback(interaction, {"type": DEFERRED_CHANNEL_MESSAGE, "data": data})

    async def _callback(self, interaction: discord.Interaction, body: dict[str, Any]) -> None:
        await self._http().request(self._callback_route(interaction), json=body)

    def _render(self, reply: Reply) -> list[OutgoingMessage]:
        self.modals.remember(reply)
        return render(reply)

    @staticmethod
    def _callback_route(interaction: discord.Interaction) -> Route:
        return Route(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            interaction_id=interaction.id,
            interaction_token=interaction.token,
        )

    @staticmethod
    def _webhook(interaction: discord.Interaction, method: str, suffix: str) -> Route:
        return Route(
            method,
            "/webhooks/{webhook_id}/{webhook_token}" + suffix,
            webhook_id=interaction.application_id,
            webhook_token=interaction.token,
        )
