"""A bounded worker pool: requests are acknowledged at once and worked on here.

A fixed number of workers take jobs from a bounded queue. When the queue is full, `submit`
says so at once and the caller answers "busy" instead of letting work pile up: under a
burst the acknowledgements stay fast and the database sets the pace of the replies.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

Job = Callable[[], Coroutine[Any, Any, None]]


class WorkPool:
    def __init__(self, workers: int, queue_size: int, *, name: str = "slack") -> None:
        self.size = workers
        self.queue: asyncio.Queue[Job] = asyncio.Queue(maxsize=queue_size)
        self.name = name
        self._workers: list[asyncio.Task[None]] = []
        self.pending = 0  # queued or running

    def start(self) -> None:
        if self._workers:
            return
        self._workers = [
            asyncio.get_running_loop().create_task(self._work(), name=f"{self.name}-worker-{i}")
            for i in range(self.size)
        ]

    def submit(self, job: Job) -> bool:
        """Queue `job`; False when the queue is full (the caller answers "busy")."""
        self.start()
        try:
            self.queue.put_nowait(job)
        except asyncio.QueueFull:
            return False
        self.pending += 1
        return True

    @property
    def busy(self) -> bool:
        return self.queue.full()

    async def _work(self) -> None:
        while True:
            job = await self.queue.get()
            try:
                await job()
            except Exception:  # a job guards itself; this is the last line of defence
                log.exception("%s: a queued job failed", self.name)
            finally:
                self.pending -= 1
                self.queue.task_done()

    async def join(self) -> None:
        """Wait until every queued job has finished."""
        await self.queue.join()

    async def close(self, grace: float = 10.0) -> None:
        """Finish queued jobs (up to `grace` seconds), then stop the workers."""
        if self._workers:
            try:
                await asyncio.wait_for(self.queue.join(), grace)
            except TimeoutError:
                log.warning("%s: %d jobs unfinished at shutdown", self.name, self.queue.qsize())
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []
