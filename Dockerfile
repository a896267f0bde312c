# Pivot in a container: slim Python, libraries pinned by requirements.lock, a non-root user,
# pending migrations applied at start, a health check on the HTTP server.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

# tini as PID 1: forwards SIGTERM/SIGINT to Pivot (which drains: sends in flight finish, unsent
# posts are released at once) and reaps zombies, so `docker stop` never ends in SIGKILL.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The lock first: this layer is rebuilt only when the pinned libraries change, and two builds a
# month apart install the same versions.
COPY requirements.lock ./
RUN pip install --no-compile -r requirements.lock
COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
COPY migrations ./migrations
RUN pip install --no-compile --no-deps . \
    && useradd --create-home --uid 10001 pivot \
    && mkdir -p /data && chown pivot /data

USER pivot
# SQLite lives on a volume by default; set PIVOT_DATABASE_URL for PostgreSQL. The HTTP server
# (health, metrics, Slack HTTP mode, public pages) listens on all interfaces of the container;
# publish it only where you mean to (compose binds it to the host's loopback).
ENV PIVOT_DATABASE_URL=sqlite+aiosqlite:////data/pivot.db \
    PIVOT_HTTP_HOST=0.0.0.0 \
    PIVOT_HTTP_PORT=3000
VOLUME ["/data"]
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "healthcheck"]

# `run` applies pending migrations, then starts every platform whose token is set.
# Exec form throughout, under tini: `docker stop`'s SIGTERM reaches Python, which drains and exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "python", "-m", "bot"]
CMD ["run"]
