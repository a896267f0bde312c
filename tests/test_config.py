from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("PIVOT_", "KAGGLE_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults_run_on_sqlite_in_console_mode() -> None:
    settings = load_settings()
    assert settings.database.url == "sqlite+aiosqlite:///pivot.db"
    assert settings.has_platform is False
    assert settings.slack.command == "/pivot"


def test_environment_overrides_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "pivot.toml"
    config.write_text('[http]\nport = 8080\n[discord]\napi_url = "http://file"\n')
    monkeypatch.setenv("PIVOT_CONFIG", str(config))
    monkeypatch.setenv("PIVOT_DISCORD_API_URL", "http://env")
    monkeypatch.setenv("PIVOT_DISCORD_TOKEN", "discord-secret")
    monkeypatch.setenv("PIVOT_SLACK_BOT_TOKEN", "xoxb-secret")
    monkeypatch.setenv("PIVOT_DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("KAGGLE_USERNAME", "ada")
    monkeypatch.setenv("KAGGLE_KEY", "kaggle-secret")
    settings = load_settings()
    assert settings.http.port == 8080
    assert settings.discord.api_url == "http://env"
    assert settings.discord.token is not None and settings.discord.token.get_secret_value() == "discord-secret"
    assert settings.database.url == "postgresql+asyncpg://u@h/db"
    assert settings.kaggle.username == "ada"
    assert settings.has_platform
    dumped = repr(settings) + str(settings.model_dump())
    for secret in ("discord-secret", "xoxb-secret", "kaggle-secret"):
        assert secret not in dumped


@pytest.mark.parametrize(("env", "value", "message"), [
    ("PIVOT_HTTP_PORT", "eighty", "invalid setting http.port (environment PIVOT_HTTP_PORT)"),
    ("PIVOT_HTTP_PORT", "70000", "invalid setting http.port"),
    ("PIVOT_DATABASE_URL", "mysql://x", "invalid setting database.url (environment PIVOT_DATABASE_URL): must be"),
    ("PIVOT_SLACK_COMMAND", "pivot", "invalid setting slack.command"),
])
def test_bad_values_fail_fast_naming_the_key(monkeypatch: pytest.MonkeyPatch, env: str, value: str,
                                              message: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings()


def test_secrets_are_refused_in_the_file(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[slack]\nbot_token = "xoxb-oops"\n')
    with pytest.raises(ConfigError, match="set PIVOT_SLACK_BOT_TOKEN in the environment") as info:
        load_settings(config)
    assert "xoxb-oops" not in str(info.value)


def test_unknown_keys_and_bad_files(tmp_path: Path) -> None:
    typo = tmp_path / "typo.toml"
    typo.write_text("[htpp]\nport = 1\n")
    with pytest.raises(ConfigError, match="invalid setting htpp: is not a known setting"):
        load_settings(typo)
    broken = tmp_path / "broken.toml"
    broken.write_text("[http\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_settings(broken)
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "missing.toml")
    bad_tz = tmp_path / "tz.toml"
    bad_tz.write_text('[community]\ntimezone = "Mars/Base"\n')
    with pytest.raises(ConfigError, match="community.timezone"):
        load_settings(bad_tz)


def test_example_config_is_valid_and_complete() -> None:
    """config.example.toml documents every setting with its default, and loads as is."""
    import tomllib

    from bot.config import SECRET_KEYS, Settings

    example = Path(__file__).resolve().parents[1] / "config.example.toml"
    data = tomllib.loads(example.read_text())
    text = example.read_text()
    defaults = Settings().model_dump()
    for section, values in defaults.items():
        for key in values:
            if (section, key) in SECRET_KEYS:
                assert SECRET_KEYS[(section, key)] in text, f"{section}.{key} secret not documented"
                continue
            if section == "console" and key == "member":
                continue
            assert key in data.get(section, {}) or f"# {key} =" in text, f"{section}.{key} missing"
    load_settings(example)
