"""What the image and the compose stack run, proven without Docker (no base image can be
pulled here): the Dockerfile's own entrypoint, environment and health check, run from this
virtual environment against PostgreSQL and a fake Slack; and the compose file's shape."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import signal
import socket
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import BACKEND
from tests.fakes.slack import FakeSlack

ROOT = Path(__file__).resolve().parents[2]


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def image_env() -> dict[str, str]:
    """The ENV lines of the Dockerfile (KEY=value pairs, continuation lines joined)."""
    text = dockerfile().replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            for pair in shlex.split(line[4:]):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def exec_form(instruction: str) -> list[str]:
    text = dockerfile().replace("\\\n", " ")
    match = re.search(rf"^{instruction}\s+(?:.*?CMD\s+)?(\[.*\])\s*$", text, re.M)
    assert match, f"{instruction} is not in exec form"
    return json.loads(match[1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_image_runs_migrations_then_the_bot_in_exec_form_with_a_health_check() -> None:
    assert exec_form("ENTRYPOINT") + exec_form("CMD") == ["/usr/bin/tini", "--", "python", "-m", "bot", "run"]
    assert exec_form("HEALTHCHECK") == ["python", "-m", "bot", "healthcheck"]
    assert "USER pivot" in dockerfile()
    assert "-r requirements.lock" in dockerfile()
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "*.db", ".git", ".env"} <= set(ignored)


def test_every_runtime_dependency_is_pinned_in_the_lock() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = (ROOT / "requirements.lock").read_text().lower()
    pinned = {m[1].replace("_", "-") for m in re.finditer(r"^([a-z0-9_.-]+)(?:\[[^\]]*\])?==", lock, re.M)}
    for requirement in project["dependencies"]:
        name = re.split(r"[\[<>=~!; ]", requirement, maxsplit=1)[0].lower().replace("_", "-").replace(".", "-")
        assert name in pinned, f"{name} is in pyproject.toml but not pinned in requirements.lock"


def test_compose_has_the_services_healthchecks_volume_and_variables_the_readme_documents() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    db, pivot = compose["services"]["db"], compose["services"]["pivot"]
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(v.startswith("pivot-db:") for v in db["volumes"]) and "pivot-db" in compose["volumes"]
    assert pivot["depends_on"]["db"]["condition"] == "service_healthy"
    assert pivot["healthcheck"]["test"] == ["CMD", "python", "-m", "bot", "healthcheck", "--ready"]
    assert pivot["env_file"] == ".env" and pivot["stop_grace_period"] == "30s"
    assert pivot["environment"]["PIVOT_DATABASE_URL"].startswith("postgresql://pivot:")
    assert all(p.startswith("127.0.0.1:") for p in pivot["ports"])
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text() + (ROOT / "docs" / "deploy.md").read_text()
    for variable in re.findall(r"^([A-Z_]+)=", example, re.M):
        assert variable in readme, f"{variable} from .env.example is not documented"


@pytest.mark.skipif(BACKEND != "postgresql", reason="the image's stack runs on PostgreSQL")
async def test_entrypoint_and_health_check_against_postgresql(database_url: str, tmp_path: Path) -> None:
    """Migrate, start, /readyz 200 through the health-check command, SIGTERM exits cleanly."""
    port = free_port()
    async with FakeSlack() as slack:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIVOT_", "KAGGLE_"))}
        env |= image_env() | {
            "PIVOT_DATABASE_URL": database_url.replace("+asyncpg", ""),
            "PIVOT_HTTP_HOST": "127.0.0.1",
            "PIVOT_HTTP_PORT": str(port),
            "PIVOT_SLACK_BOT_TOKEN": "xoxb-image-test",
            "PIVOT_SLACK_SIGNING_SECRET": "image-test-signing-secret",
            "PIVOT_SLACK_API_URL": slack.base_url,
            "PYTHONPATH": str(ROOT),
        }
        bot = await asyncio.create_subprocess_exec(
            sys.executable, *exec_form("ENTRYPOINT")[3:], *exec_form("CMD"), cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            check = pyyaml_health_command()
            ready = False
            for _ in range(120):
                probe = await asyncio.create_subprocess_exec(
                    sys.executable, *check[1:], cwd=tmp_path, env=env,
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
                if await probe.wait() == 0:
                    ready = True
                    break
                if bot.returncode is not None:
                    break
                await asyncio.sleep(0.25)
            assert ready, (await bot.stderr.read()).decode() if bot.returncode is not None else "never ready"
            bot.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(bot.wait(), 30)
            stderr = (await bot.stderr.read()).decode()
        finally:
            if bot.returncode is None:
                bot.kill()
                await bot.wait()
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert "applying migration" not in stderr  # the suite's database was already at head


def pyyaml_health_command() -> list[str]:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    test = compose["services"]["pivot"]["healthcheck"]["test"]
    assert test[0] == "CMD"
    return test[1:]
