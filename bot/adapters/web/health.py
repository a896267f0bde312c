"""/healthz, /readyz and /metrics on Pivot's HTTP server.

- `/healthz` is liveness: it answers as long as the event loop does.
- `/readyz` is readiness: the database answers, every configured platform is connected, the
  scheduler ticked recently and the outbox is not stuck. 200 or 503 with a small JSON body
  naming each check.
- `/metrics` is Prometheus' text format (prometheus-client), with the outbox gauges measured
  from the database at scrape time.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from bot.core.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_SECONDS, REGISTRY
from bot.core.outbox import backlog

if TYPE_CHECKING:
    from bot.app import App

DB_TIMEOUT_SECONDS = 3.0


def health_routes(app: App) -> list[web.RouteDef]:
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_request: web.Request) -> web.Response:
        checks = await readiness(app)
        ready = all(c["ok"] for c in checks.values())
        return web.json_response({"status": "ready" if ready else "not ready", "checks": checks},
                                 status=200 if ready else 503)

    async def metrics(_request: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(_measure_outbox(app), DB_TIMEOUT_SECONDS)
        except Exception:  # the database is down: serve the counters we have
            pass
        body = generate_latest(REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return [web.get("/healthz", healthz), web.get("/readyz", readyz), web.get("/metrics", metrics)]


async def _measure_outbox(app: App) -> None:
    async with app.session_factory() as session:
        waiting = await backlog(session, app.clock.now())
    OUTBOX_BACKLOG.clear()
    for platform, count in waiting.pending.items():
        OUTBOX_BACKLOG.labels(platform).set(count)
    OUTBOX_OLDEST_SECONDS.set(waiting.oldest_due_seconds)


async def readiness(app: App) -> dict[str, dict[str, Any]]:
    checks: dict[str, dict[str, Any]] = {}
    settings = app.settings.health
    try:
        async with app.session_factory() as session:
            await asyncio.wait_for(session.execute(text("SELECT 1")), DB_TIMEOUT_SECONDS)
            waiting = await asyncio.wait_for(backlog(session, app.clock.now()), DB_TIMEOUT_SECONDS)
        checks["database"] = {"ok": True}
        stuck = waiting.oldest_due_seconds > settings.outbox_stuck_seconds
        checks["outbox"] = {"ok": not stuck, "pending": sum(waiting.pending.values()),
                            "oldest_due_seconds": round(waiting.oldest_due_seconds, 1)}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": exc.__class__.__name__}
        checks["outbox"] = {"ok": False, "error": "database unavailable"}
    for adapter in app.adapters:
        is_ready = getattr(adapter, "is_ready", None)
        checks[f"platform:{adapter.platform}"] = {"ok": bool(is_ready()) if is_ready else True}
    scheduler = app.scheduler
    now = time.monotonic()
    last = scheduler.last_tick_at or scheduler.started_at
    age = None if last is None else now - last
    checks["scheduler"] = {
        "ok": age is not None and age <= settings.tick_stale_seconds,
        "seconds_since_tick": None if age is None else round(age, 1),
    }
    return checks
