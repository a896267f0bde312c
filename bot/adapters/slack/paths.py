"""Where Pivot's Slack endpoints live on the HTTP server."""

from __future__ import annotations

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
