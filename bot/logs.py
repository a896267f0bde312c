"""Logging, configured once by `python -m bot`: text for people or JSON lines for collectors.

Members' text never reaches INFO or above (features log ids, not bodies), SQL parameters are
hidden unless the level is DEBUG (SQLAlchemy's `hide_parameters`), and secrets never appear:
the configured secret values are redacted from every line as a last line of defence.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

from bot.core.logcontext import current

QUIET_LIBRARIES = ("discord", "discord.http", "discord.gateway", "slack_sdk", "slack_bolt",
                   "apscheduler", "alembic.runtime.plugins", "alembic.runtime.migration", "aiosqlite",
                   "httpx", "httpcore", "asyncio", "aiohttp.access", "sqlalchemy.engine")
TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class Redactor(logging.Filter):
    """Replaces any configured secret that made it into a message or traceback with ***."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = self._clean(record.getMessage())
            record.args = None
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **current(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str)


class ContextTextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = current()
        if context:
            line += " [" + " ".join(f"{k}={v}" for k, v in context.items()) + "]"
        return line


def configure_logging(level: str, *, fmt: str = "text", secrets: Iterable[str] = (),
                      stream: TextIO | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else ContextTextFormatter(TEXT_FORMAT))
    handler.addFilter(Redactor(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    return handler
