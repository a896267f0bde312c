"""Every feature imports and declares well-formed commands (python-discord's test_cogs idea)."""

from __future__ import annotations

import re

from bot.core.commands import Registry
from bot.features import NAMES, load_all

NAME = re.compile(r"^[-_a-z0-9]{1,32}$")


def test_every_feature_loads_with_unique_paths_and_help() -> None:
    features = load_all()
    assert [f.name for f in features] == list(NAMES)
    registry = Registry(g for f in features for g in f.groups)  # raises on duplicates
    seen: set[str] = set()
    for command in registry.commands():
        assert command.name not in seen
        seen.add(command.name)
        assert command.help and len(command.help) <= 100, command.name
        assert 1 <= len(command.path) <= 3, command.name
        for word in command.path:
            assert NAME.match(word), (command.name, word)
        assert len(command.params) <= 25, command.name
        names = [p.name for p in command.params]
        assert len(names) == len(set(names)), command.name
        for param in command.params:
            assert NAME.match(param.option_name), (command.name, param.name)
            assert param.help and len(param.help) <= 100, (command.name, param.name)
        if command.group == "admin":
            assert command.admin, command.name
    for group in registry.groups.values():
        assert group.help and len(group.help) <= 100, group.name
        if group.default is not None:
            assert any(c.path[1:] == tuple(group.default.split()) for c in group.commands), group.name


def test_readme_documents_every_command() -> None:
    """A new command appears in the README's tables (and so in front of admins) or this fails."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    registry = Registry(g for f in load_all() for g in f.groups)
    missing = [c.name for c in registry.commands() if f"`{c.name}" not in readme]
    assert missing == []
