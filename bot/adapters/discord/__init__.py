"""Pivot on Discord: application commands from the registry, interactions, and outbox delivery.

Layout: `commands` (registry → command payload, options → arguments), `render` (Reply →
embeds and components within Discord's limits), `interactions` (routing and the 3 s window),
`sender` (outbox posts, DMs, private threads), `client` (discord.py pointed at configurable
REST and gateway URLs), `adapter` (ties them to the app), `cli` (discord-commands, discord-invite).
"""

from __future__ import annotations

from bot.adapters.discord.adapter import DiscordAdapter

__all__ = ["DiscordAdapter"]
