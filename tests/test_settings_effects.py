"""Settings that do what they say (issue 12): every setting in config.example.toml is either
proved to change behaviour by a named test, or listed as informational with a reason, or listed
as a known gap. A new setting must be put in one of the tables, and a named test must exist.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# setting -> the test that shows its observable effect.
EFFECTS: dict[str, str] = {
    "database.url": "tests/test_cli_db.py::test_an_unusable_database_is_one_line_with_the_password_masked",
    "database.echo": "tests/test_logs.py::test_a_console_session_logs_no_member_text_and_no_secret",
    "discord.api_url": "tests/adapters/discord/test_startup.py::test_sync_without_a_guild_overwrites_the_global_commands",
    "discord.gateway_url": "tests/adapters/discord/test_startup.py::test_with_only_the_rest_base_set_the_gateway_comes_from_get_gateway_bot",
    "discord.application_id": "tests/adapters/discord/test_startup.py::test_invite_url_asks_for_exactly_the_permissions_pivot_uses",
    "discord.shard_ids": "tests/adapters/discord/test_startup.py::test_shards_split_over_two_processes_each_get_their_own_guilds",
    "discord.shard_count": "tests/adapters/discord/test_startup.py::test_shards_split_over_two_processes_each_get_their_own_guilds",
    "slack.api_url": "tests/adapters/slack/test_adapter.py::test_slash_command_creates_a_goal_and_the_reply_arrives",
    "slack.public_url": "tests/adapters/slack/test_manifest.py::test_manifest_for_http_mode",
    "slack.command": "tests/adapters/slack/test_manifest.py::test_manifest_for_http_mode",
    "slack.admins": "tests/adapters/slack/test_adapter.py::test_admins_from_config_and_the_users_info_cache",
    "http.host": "tests/adapters/web/test_server.py::test_every_mode_starts_the_server_when_a_port_is_configured",
    "http.port": "tests/adapters/web/test_server.py::test_every_mode_starts_the_server_when_a_port_is_configured",
    "kaggle.api_url": "tests/features/kaggle/test_polling.py::test_each_community_gets_only_the_categories_it_wants",
    "kaggle.categories": "tests/features/kaggle/test_polling.py::test_each_community_gets_only_the_categories_it_wants",
    "jobs.greenhouse_url": "tests/features/jobs/test_feed.py::test_lever_pages_and_ashby_fields",
    "jobs.lever_url": "tests/features/jobs/test_feed.py::test_lever_pages_and_ashby_fields",
    "jobs.ashby_url": "tests/features/jobs/test_feed.py::test_lever_pages_and_ashby_fields",
    "jobs.nudge_days": "tests/features/jobs/test_tracker.py::test_one_nudge_after_ten_quiet_days_and_none_while_paused",
    "scheduler.grace_minutes": "tests/core/test_scheduler.py::test_late_tick_catches_up_within_grace_only",
    "outbox.max_attempts": "tests/core/test_outbox.py::test_gives_up_after_max_attempts",
    "community.timezone": "tests/features/admin/test_commands.py::test_admin_settings",
    "community.challenge_time": "tests/features/admin/test_commands.py::test_admin_settings",
    "logging.level": "tests/adapters/slack/test_log_scan.py::test_a_console_session_at_debug_logs_no_secret",
    "logging.format": "tests/test_logs.py::test_json_lines_carry_the_context",
    "health.outbox_stuck_seconds": "tests/adapters/web/test_health.py::test_readyz_is_503_when_the_outbox_is_stuck",
    "scheduler.tick_seconds": "tests/core/test_scheduler.py::test_tick_seconds_sets_the_base_cadence",
    "outbox.lease_seconds": "tests/core/test_outbox.py::test_leases_are_renewed_while_a_slow_batch_is_in_flight",
    "slack.queue": "tests/adapters/slack/test_hardening.py::test_a_full_queue_answers_busy_at_once_and_the_queued_work_still_runs",
    "slack.workers": "tests/adapters/slack/test_hardening.py::test_a_full_queue_answers_busy_at_once_and_the_queued_work_still_runs",
    "slack.client_id": "tests/adapters/slack/test_oauth.py::test_a_workspace_installs_and_pivot_answers_there_with_its_own_token",
    "clock.source": "tests/core/test_clockstate.py::test_two_processes_follow_the_offset_run_their_ticks_and_acknowledge",
    "clock.poll_seconds": "tests/core/test_clockstate.py::test_two_processes_follow_the_offset_run_their_ticks_and_acknowledge",
    "discord.sync_commands": "tests/adapters/discord/test_upkeep.py::test_commands_are_registered_at_start_only_when_their_definition_changed",
}

# Secrets come from the environment only (start-up refuses them in the file); the example
# documents them in comments and tests/test_config.py checks that refusal.
INFORMATIONAL: dict[str, str] = {
    "kaggle.username": "credentials, read from KAGGLE_USERNAME as the kaggle CLI does",
}

# Wired into the code but with no test yet that pins the effect, or not honoured: the lead's
# to-do list. Shrink it; never grow it without a reason.
GAPS: dict[str, str] = {
    "outbox.batch": "passed to OutboxWorker by bot/app.py; tests use the default batch size",
    "outbox.concurrency": "passed to OutboxWorker by bot/app.py; benchmarks vary it, tests do not",
    "discord.global_rate_limit": "paces the Discord sender (bench/outbox_discord.py measures it); no unit test varies it",
    "slack.oauth_url": "where /slack/install sends people (Slack's authorize URL); tests use the fake's",
    "github.api_url": "every GitHub test points it at the fake (tests/fakes/github.py); none varies it otherwise",
    "kaggle.poll_hours": "used by bot/features/kaggle/jobs.py; no test pins the interval",
    "kaggle.reminder_days": "used by bot/features/kaggle/service.py; tests use the default only",
    "jobs.poll_hours": "used by bot/features/jobs/service/feed.py; no test pins the interval",
    "jobs.timeout_seconds": "passed to the boards' httpx client; no slow-board test",
    "outbox.backoff_seconds": "passed to OutboxWorker by bot/app.py; tests build the worker directly",
    "http.public_url": "links to public pages use it (bot/adapters/web/server.py); only its validation is tested",
    "console.member": "every console test runs with it set (tests/conftest.py); none varies it",
    "console.community": "every console test runs with it set (tests/conftest.py); none varies it",
    "health.tick_stale_seconds": "read by bot/adapters/web/health.py; no stale-tick readiness test",
}

_KEY_RE = re.compile(r"^#?\s?([a-z_]+)\s*=", re.MULTILINE)
_SECTION_RE = re.compile(r"^\[([a-z_]+)\]\s*$")


def example_settings() -> set[str]:
    """Every `section.key` the example shows, set or commented out (secrets excepted)."""
    found: set[str] = set()
    section = ""
    for line in (ROOT / "config.example.toml").read_text().splitlines():
        if match := _SECTION_RE.match(line):
            section = match.group(1)
        elif section and (match := _KEY_RE.match(line)):
            found.add(f"{section}.{match.group(1)}")
    return found


def _test_exists(reference: str) -> bool:
    path, name = reference.split("::")
    tree = ast.parse((ROOT / path).read_text())
    return any(
        isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name for n in ast.walk(tree)
    )


def test_every_setting_in_the_example_is_accounted_for() -> None:
    shown = example_settings()
    tables = [set(EFFECTS), set(INFORMATIONAL), set(GAPS)]
    assert not (tables[0] & tables[1] or tables[0] & tables[2] or tables[1] & tables[2])
    assert shown - set().union(*tables) == set(), "new settings: say what they do and test it"
    assert set().union(*tables) - shown == set(), "settings listed here but gone from the example"


def test_every_named_effect_test_exists() -> None:
    missing = [ref for ref in EFFECTS.values() if not _test_exists(ref)]
    assert missing == []
