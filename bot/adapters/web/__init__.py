"""The one HTTP server: Slack's routes, health and metrics, public pages."""

from bot.adapters.web.server import WebServer

__all__ = ["WebServer"]
