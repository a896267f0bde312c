"""python -m bot … — run Pivot, open the console, manage the database, print platform payloads."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from bot.config import ConfigError, Settings, load_settings

log = logging.getLogger("bot")

QUIET_LIBRARIES = ("discord", "discord.http", "discord.gateway", "slack_sdk", "slack_bolt",
                   "apscheduler", "alembic.runtime.plugins", "alembic.runtime.migration", "aiosqlite", "httpx", "httpcore", "asyncio")


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Pivot — a Discord and Slack community bot for engineers moving into machine learning.",
        epilog="With no Discord or Slack token configured, `run` opens the console chat on SQLite.",
    )
    parser.add_argument("--config", help="path to config.toml (default: $PIVOT_CONFIG or ./config.toml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot: every platform with a token, else the console")
    run.add_argument("--no-migrate", action="store_true", help="don't apply pending database migrations")
    run.add_argument("--shard-ids", help="Discord shard ids this process runs, e.g. 0,1")
    run.add_argument("--shard-count", type=int, help="total Discord shards across all processes")

    console = sub.add_parser("console", help="chat with Pivot in the terminal as a member of a local community")
    console.add_argument("--no-migrate", action="store_true", help="don't apply pending database migrations")
    console.add_argument("--as", dest="member", help="your member name (default: [console] member)")

    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"])
    db.add_argument("revision", nargs="?", help="target revision (upgrade: head; downgrade: -1)")

    sub.add_parser("commands", help="list every command with its usage")

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"pivot: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.logging.level)
    command = args.command or "run"
    if command == "db":
        return _db(settings, args.action, args.revision)
    if command == "commands":
        return _list_commands(settings)
    if command in ("discord-commands", "discord-invite"):
        from bot.adapters.discord import cli

        if command == "discord-invite":
            return cli.invite_main(settings)
        return cli.commands_main(settings, do_sync=args.sync, guild_id=args.guild)

    if command == "slack-manifest":
        return _slack_manifest(settings, args.socket_mode, args.public_url)
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
    try:
        return asyncio.run(_serve(settings, console=command == "console",
                                  migrate=not getattr(args, "no_migrate", False),
                                  member=getattr(args, "member", None)))
    except KeyboardInterrupt:
        return 0
    except ConfigError as exc:  # a platform adapter found its settings incomplete
        print(f"pivot: {exc}", file=sys.stderr)
        return 2


def _db(settings: Settings, action: str, revision: str | None) -> int:
    from bot import migrate

    if action == "upgrade":
        migrate.upgrade(settings.database.url, revision or "head")
    elif action == "downgrade":
        migrate.downgrade(settings.database.url, revision or "-1")
    else:
        migrate.current(settings.database.url)
    return 0


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

    try:
        print(manifest_yaml(settings, socket_mode=socket_mode, public_url=public_url), end="")
    except ConfigError as exc:
        print(f"pivot: {exc}", file=sys.stderr)
        return 2
    return 0


async def _serve(settings: Settings, *, console: bool, migrate: bool, member: str | None) -> int:
    from bot.adapters.console import ConsoleAdapter
    from bot.app import App, PlatformsDown, platform_adapters
    from bot.core.clock import OffsetClock
    from bot.migrate import upgrade_async

    if migrate:
        await upgrade_async(settings.database.url)
    if console or not settings.has_platform:
        if not console:
            log.info("no Discord or Slack token configured: opening the console (see README to connect a platform)")
        app = App(settings, clock=OffsetClock())
        adapters = [ConsoleAdapter(app, member=member)]
    else:
        app = App(settings)
        adapters = platform_adapters(app)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        # Both drain: sends in flight finish and are recorded, unsent posts are released at once.
        loop.add_signal_handler(signum, app.request_stop)
    try:
        await app.serve(adapters)
    except PlatformsDown as exc:
        print(f"pivot: could not serve any platform — {exc}", file=sys.stderr)
        return 1
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
