# Pivot in a container: slim Python, a non-root user, pending migrations applied at start.
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
COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
COPY migrations ./migrations
RUN pip install --no-compile -e . \
    && useradd --create-home --uid 10001 pivot \
    && mkdir -p /data && chown pivot /data

USER pivot
# SQLite lives on a volume by default; set PIVOT_DATABASE_URL for PostgreSQL.
ENV PIVOT_DATABASE_URL=sqlite+aiosqlite:////data/pivot.db
VOLUME ["/data"]
EXPOSE 3000

# `run` applies pending migrations, then starts every platform whose token is set.
# Exec form throughout: no shell in between to swallow the signal.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "python", "-m", "bot"]
CMD ["run"]
