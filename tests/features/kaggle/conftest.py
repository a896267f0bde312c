from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.kaggle import FakeKaggle


@pytest.fixture
async def fake_kaggle() -> AsyncIterator[FakeKaggle]:
    async with FakeKaggle() as fake:
        yield fake
