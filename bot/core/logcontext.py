"""Context for log lines (community, platform, command, outbox id), carried by contextvars.

`with log_context(community=…, command=…):` tags every line logged inside the block, in this
task and the tasks it starts; the JSON formatter writes the tags as fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_CONTEXT: ContextVar[dict[str, Any]] = ContextVar("pivot_log_context", default={})  # noqa: B039


def current() -> dict[str, Any]:
    return _CONTEXT.get()


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    token = _CONTEXT.set({**_CONTEXT.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _CONTEXT.reset(token)
