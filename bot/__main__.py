"""python -m bot … — run Pivot, open the console, manage the database, print platform payloads."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging

log = logging.getLogger("bot")
T = TypeVar("T")
CONSOLE_LOG = "pivot-console.log"

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Pivot — a Discord and Slack community bot for engineers moving into machine learning.",
        epilog="With no Discord or Slack token configured, `run` opens the console chat on SQLite.",
    )
    parser.add_argument("--config", help="path to config.toml (default: $PIVOT_CONFIG or ./config.toml)")
    parser.add_argument("--debug", action="store_true",
                        help="log at DEBUG and show tracebacks for configuration problems")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot: every platform with a token (none: the console on a terminal, else exit 2)")
    run.add_argument("--no-migrate", action="store_true", help="don't apply pending database migrations")
    run.add_argument("--shard-ids", help="Discord shard ids this process runs, e.g. 0,1")
    run.add_argument("--shard-count", type=int, help="total Discord shards across all processes")
    run.add_argument("--verbose", action="store_true",
                     help="when this opens the console: print logs in the chat instead of to a file")

    console = sub.add_parser("console", help="chat with Pivot in the terminal as a member of a local community")
    console.add_argument("--no-migrate", action="store_true", help="don't apply pending database migrations")
    console.add_argument("--as", dest="member", help="your member name (default: [console] member)")
    console.add_argument("--verbose", action="store_true",
                         help="print logs in the chat (default: to pivot-console.log, path printed once)")

    db = sub.add_parser("db", help="database migrations and backups")
    db.add_argument("action", choices=["upgrade", "downgrade", "current", "backup"])
    db.add_argument("revision", nargs="?",
                    help="upgrade/downgrade: target revision (upgrade: head; downgrade: -1); backup: the file to write")
    db.add_argument("--yes", action="store_true", help="downgrade without asking (scripts)")

    sub.add_parser("commands", help="list every command with its usage")

    health = sub.add_parser("healthcheck", help="exit 0 when the running Pivot answers on its HTTP "
                                                 "server (the container's health check)")
    health.add_argument("--ready", action="store_true",
                        help="ask /readyz (database, platforms, scheduler, outbox) instead of /healthz")

    discord_commands = sub.add_parser("discord-commands",
                                      help="print the Discord application-command JSON (--sync registers it)")
    discord_commands.add_argument("--sync", action="store_true",
                                  help="register the commands with Discord (needs PIVOT_DISCORD_TOKEN)")
    discord_commands.add_argument("--guild", help="register in this server only (instant; for development)")
    sub.add_parser("discord-invite", help="print the URL that adds Pivot to a Discord server")

    manifest = sub.add_parser("slack-manifest", help="print the Slack app manifest (YAML) to create the app from")
    mode = manifest.add_mutually_exclusive_group()
    mode.add_argument("--socket-mode", action="store_true", default=None,
                      help="Socket Mode (no public URL; default when PIVOT_SLACK_APP_TOKEN is set)")
    mode.add_argument("--public-url", help="HTTP mode: where Slack reaches Pivot (default: slack.public_url)")
    sub.add_parser("slack-token-key",
                   help="print a new key for PIVOT_SLACK_TOKEN_KEY (encrypts workspaces' bot tokens)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"pivot: {exc}", file=sys.stderr)
        return 2
    if (refusal := settings.clock_refusal()) is not None:
        print(f"pivot: {refusal}", file=sys.stderr)
        return 2
    level = "DEBUG" if args.debug else settings.logging.level
    configure_logging(level, fmt=settings.logging.format, secrets=settings.secret_values())
    command = args.command or "run"
    if command == "db":
        return _db(settings, args.action, args.revision, yes=args.yes, debug=args.debug)
    if command == "commands":
        return _list_commands(settings)
    if command == "healthcheck":
        return _healthcheck(settings, ready=args.ready)
    if command in ("discord-commands", "discord-invite"):
        from bot.adapters.discord import cli

        if command == "discord-invite":
            return cli.invite_main(settings)
        return cli.commands_main(settings, do_sync=args.sync, guild_id=args.guild)

    if command == "slack-manifest":
        return _slack_manifest(settings, args.socket_mode, args.public_url)
    if command == "slack-token-key":
        from bot.adapters.slack.installations import new_key

        print(new_key())
        return 0
    if getattr(args, "shard_ids", None):
        try:
            settings.discord.shard_ids = [int(x) for x in args.shard_ids.split(",")]
        except ValueError:
            print("pivot: --shard-ids must be numbers separated by commas, like 0,1", file=sys.stderr)
            return 2
    if getattr(args, "shard_count", None):
        settings.discord.shard_count = args.shard_count
    discord = settings.discord
    if discord.shard_ids and (discord.shard_count is None
                              or not all(0 <= i < discord.shard_count for i in discord.shard_ids)):
        print("pivot: --shard-ids needs --shard-count, and each id must be below it", file=sys.stderr)
        return 2
    if command == "run" and not settings.has_platform and not sys.stdin.isatty():
        print("pivot: no platform configured: set PIVOT_DISCORD_TOKEN or PIVOT_SLACK_BOT_TOKEN, "
              "or run `console`", file=sys.stderr)
        return 2
    log_notice: str | None = None
    if (command == "console" or not settings.has_platform) and not getattr(args, "verbose", False):
        # The console is a chat: log lines go to a file, not into the conversation.
        path = Path(CONSOLE_LOG).resolve()
        configure_logging(level, fmt=settings.logging.format, secrets=settings.secret_values(),
                          stream=path.open("a", encoding="utf-8"))
        # Said once the console opens (after the database checks), so a configuration problem
        # stays one line.
        log_notice = f"(Pivot's logs go to {path}; --verbose shows them here.)"
    try:
        return asyncio.run(_serve(settings, console=command == "console",
                                  migrate=not getattr(args, "no_migrate", False),
                                  member=getattr(args, "member", None), log_notice=log_notice))
    except KeyboardInterrupt:
        return 0
    except ConfigError as exc:  # a platform adapter found its settings incomplete
        print(f"pivot: {exc}", file=sys.stderr)
        return 2
    except DatabaseProblem as exc:
        print(f"pivot: {exc}", file=sys.stderr)
        if args.debug:
            raise
        return 2


class DatabaseProblem(Exception):
    """The database can't be used: one line that says why (password masked)."""


def _db(settings: Settings, action: str, revision: str | None, *, yes: bool, debug: bool) -> int:
    try:
        return asyncio.run(_db_async(settings, action, revision, yes=yes))
    except DatabaseProblem as exc:
        print(f"pivot: {exc}", file=sys.stderr)
        if debug:
            raise
        return 2


async def _db_async(settings: Settings, action: str, revision: str | None, *, yes: bool) -> int:
    from bot import migrate

    url = settings.database.url
    if action == "backup":
        if not revision:
            print("pivot: say where to write the backup: python -m bot db backup PATH", file=sys.stderr)
            return 2
        target = Path(revision)
        if url.startswith("sqlite"):
            await _checked(url, migrate.current_revision(url))
            migrate.backup_sqlite(url, target)
            print(f"Backed up {migrate.masked(url)} to {target} (restore: stop Pivot, copy it back).")
            return 0
        print("PostgreSQL is backed up with its own tool, consistent while Pivot runs:\n"
              f"  {migrate.pg_dump_command(url, target)}\n"
              "Restore with pg_restore --clean --dbname=… (see docs/deploy.md).")
        return 2
    if action == "current":
        current = await _checked(url, migrate.current_revision(url))
        pending = await _checked(url, migrate.pending_steps(url))
        print(f"database {migrate.masked(url)} is at {current or 'an empty schema'}"
              + (f"; {len(pending)} migration(s) pending" if pending else " (up to date)"))
        return 0
    if action == "upgrade":
        steps = await _checked(url, migrate.pending_steps(url))
        for step in steps:
            print(f"applying {step.revision}: {step.title}")
        await _checked(url, migrate.upgrade_async(url, revision or "head"))
        print("up to date" if not steps else f"applied {len(steps)} migration(s)")
        return 0
    steps = await _checked(url, migrate.downgrade_steps(url, revision or "-1"))
    if not steps:
        print("nothing to downgrade")
        return 0
    print("This downgrade undoes:")
    for step in steps:
        drops = f" — DROPS {', '.join(step.drops)} and everything in them" if step.drops else ""
        print(f"  {step.revision}: {step.title}{drops}")
    if not yes:
        if not sys.stdin.isatty():
            print("pivot: refusing to downgrade without confirmation: add --yes", file=sys.stderr)
            return 2
        answer = await asyncio.to_thread(
            input, "Take a backup first (python -m bot db backup PATH). Type 'yes' to continue: ")
        if answer.strip().lower() != "yes":
            print("Nothing changed.")
            return 1
    await _checked(url, migrate.downgrade_async(url, revision or "-1"))
    print("downgraded")
    return 0


async def _checked(url: str, work: Awaitable[T]) -> T:
    """Run database work; a refused connection or a newer schema becomes one DatabaseProblem line."""
    from bot import migrate

    try:
        return await work
    except migrate.DatabaseNewer as exc:
        raise DatabaseProblem(str(exc)) from exc
    except (OSError, SQLAlchemyError) as exc:
        raise DatabaseProblem(migrate.describe_connect_error(url, exc)) from exc
    except Exception as exc:  # asyncpg's own errors (wrong password, unknown database)
        if exc.__class__.__module__.startswith("asyncpg"):
            raise DatabaseProblem(migrate.describe_connect_error(url, exc)) from exc
        raise


def _healthcheck(settings: Settings, *, ready: bool) -> int:
    import urllib.error
    import urllib.request

    host = "127.0.0.1" if settings.http.host in ("0.0.0.0", "::", "") else settings.http.host
    url = f"http://{host}:{settings.http.bind_port}{'/readyz' if ready else '/healthz'}"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:  # noqa: S310 (our own server)
            print(f"{url}: {response.status}")
            return 0
    except urllib.error.HTTPError as exc:
        print(f"{url}: {exc.code} {exc.read().decode(errors='replace')[:500]}", file=sys.stderr)
    except OSError as exc:
        print(f"{url}: {exc}", file=sys.stderr)
    return 1


def _list_commands(settings: Settings) -> int:
    from bot.core.commands import Registry
    from bot.features import load_all

    registry = Registry(g for f in load_all() for g in f.groups)
    for command in registry.commands():
        admin = "  (admin)" if command.admin else ""
        print(f"{command.usage}{admin}\n    {command.help}")
    return 0


def _slack_manifest(settings: Settings, socket_mode: bool | None, public_url: str | None) -> int:
    from bot.adapters.slack.manifest import manifest_yaml

    if public_url is not None and not public_url.startswith(("https://", "http://")):
        print(f"pivot: --public-url must start with https:// (Slack refuses '{public_url}/slack/events'), "
              f"like https://{public_url.lstrip('/')}", file=sys.stderr)
        return 2
    try:
        print(manifest_yaml(settings, socket_mode=socket_mode, public_url=public_url), end="")
    except ConfigError as exc:
        print(f"pivot: {exc}", file=sys.stderr)
        return 2
    return 0


async def _serve(settings: Settings, *, console: bool, migrate: bool, member: str | None,
                 log_notice: str | None = None) -> int:
    # Only what this mode needs is imported: alembic only when something is to be migrated,
    # the console adapter only in console mode (tests/test_startup_imports.py checks).
    from bot import migrate as migrations
    from bot.app import Adapter, App, PlatformsDown, platform_adapters

    url = settings.database.url
    pending = await _checked(url, migrations.pending_steps(url))
    if migrate and pending:
        for step in pending:
            log.info("applying migration %s: %s", step.revision, step.title)
        await _checked(url, migrations.upgrade_async(url))
    elif pending:
        log.warning("%d migration(s) pending and --no-migrate given: run `python -m bot db upgrade`",
                    len(pending))
    if log_notice is not None:
        print(log_notice, file=sys.stderr)
    if console or not settings.has_platform:
        if not console:
            log.info("no Discord or Slack token configured: opening the console (see README to connect a platform)")
        from bot.adapters.console import ConsoleAdapter
        from bot.core.clock import OffsetClock

        app = App(settings, clock=OffsetClock(), demo=True)
        adapters: list[Adapter] = [ConsoleAdapter(app, member=member)]
    else:
        app = App(settings)
        adapters = platform_adapters(app)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        # Both drain: sends in flight finish and are recorded, unsent posts are released at once.
        loop.add_signal_handler(signum, app.request_stop)
    try:
        await app.serve(adapters)
    except asyncio.CancelledError:
        log.info("stopping on signal: finished the work in flight")
        return 0
    except PlatformsDown as exc:
        print(f"pivot: could not serve any platform — {exc}", file=sys.stderr)
        return 1
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await app.close()
    return 0


def entry() -> int:
    """`main`, quiet when its reader goes away (`python -m bot commands | head`)."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Python's documented way out: point stdout at devnull so the final flush can't fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return code


if __name__ == "__main__":
    raise SystemExit(entry())
