"""A real `python -m bot run` process for the tests that prove delivery under faults
(tests/test_delivery_processes.py, tests/test_soak_processes.py)."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


class BotProcess:
    """One bot process; its stdout and stderr go to `log` (appended across restarts)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--no-migrate",
                cwd=ROOT, env=self.env, stdout=out, stderr=out,
            )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    async def kill(self) -> None:
        """SIGKILL: the process records and releases nothing."""
        if self.alive:
            assert self.process is not None
            self.process.kill()
            await self.process.wait()

    async def exit_code(self, seconds: float = 20.0) -> int:
        """Wait for the exit; a process still running after `seconds` fails the test."""
        assert self.process is not None
        try:
            return await asyncio.wait_for(self.process.wait(), seconds)
        except TimeoutError:
            await self.kill()
            pytest.fail(f"the bot did not exit within {seconds:.0f} s:\n{self.log.read_text()[-3000:]}")

    async def stop(self, seconds: float = 30.0) -> int:
        """SIGTERM and wait; -9 when it had to be killed."""
        assert self.process is not None
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), seconds)
        except TimeoutError:
            await self.kill()
            return -9
