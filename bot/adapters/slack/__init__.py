"""Slack: slack-bolt (async) over HTTP or Socket Mode, Block Kit rendering, the app manifest."""

from __future__ import annotations

from bot.adapters.slack.adapter import SlackAdapter

__all__ = ["SlackAdapter"]
