from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.errors import IntegrationUnavailable, InvalidInput
from bot.features.kaggle.client import (
    CATEGORIES,
    Competition,
    KaggleAuthError,
    KaggleClient,
    KaggleCredentials,
    KaggleUnavailable,
    parse_category,
    parse_kaggle_datetime,
)
from tests.fakes.kaggle import LEGACY_PATH, NEW_PATH, FakeKaggle, make_competition

TOKEN = KaggleCredentials.from_token("KGAT_secret_token_123", source="test")
KEY = KaggleCredentials.from_key("ada", "0123456789abcdef", source="test")


class SleepRecorder:
    """Stands in for asyncio.sleep: records each requested delay, returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def client_for(
    fake: FakeKaggle,
    credentials: KaggleCredentials = TOKEN,
    *,
    sleep: SleepRecorder | None = None,
    **kwargs: object,
) -> KaggleClient:
    return KaggleClient(
        credentials,
        base_url=fake.base_url,
        sleep=sleep or SleepRecorder(),
        **kwargs,  # type: ignore[arg-type]
    )


def many(n: int, category: str = "Featured") -> list[dict[str, object]]:
    return [
        make_competition(
            f"comp-{i:02d}",
            f"Competition {i}",
            category,
            datetime(2030, 1, 1 + i % 28, 12, 0, tzinfo=UTC),
        )
        for i in range(n)
    ]


# -- listing and pagination ------------------------------------------------------


async def test_listing_follows_every_page_and_returns_each_competition_once(
    fake_kaggle: FakeKaggle,
) -> None:
    fake_kaggle.add(*many(45))
    async with client_for(fake_kaggle) as client:
        competitions = await client.list_competitions(page_size=20)

    refs = [c.ref for c in competitions]
    assert sorted(refs) == [f"comp-{i:02d}" for i in range(45)]
    assert len(fake_kaggle.list_requests) == 3  # 20 + 20 + 5


async def test_first_and_later_page_bodies_match_what_kagglesdk_sends(
    fake_kaggle: FakeKaggle,
) -> None:
    fake_kaggle.add(*many(3))
    async with client_for(fake_kaggle) as client:
        await client.list_competitions(page_size=2)

    first, second = fake_kaggle.list_requests
    assert first.method == "POST" and first.path == NEW_PATH
    assert first.json == {
        "group": "COMPETITION_LIST_TAB_GENERAL",
        "category": "HOST_SEGMENT_UNSPECIFIED",
        "sortBy": "COMPETITION_SORT_BY_EARLIEST_DEADLINE",
        "search": "",
        "page": 1,
        "pageToken": "",
        "pageSize": 2,
    }
    assert list(first.json) == [
        "group",
        "category",
        "sortBy",
        "search",
        "page",
        "pageToken",
        "pageSize",
    ]
    assert first.headers["content-type"] == "application/json"
    assert "page" not in second.json
    assert second.json["pageToken"] != ""


async def test_token_credentials_are_sent_as_bearer(fake_kaggle: FakeKaggle) -> None:
    async with client_for(fake_kaggle, TOKEN) as client:
        await client.list_competitions()
    assert fake_kaggle.requests[0].authorization == "Bearer KGAT_secret_token_123"


async def test_username_and_key_are_sent_as_http_basic(fake_kaggle: FakeKaggle) -> None:
    async with client_for(fake_kaggle, KEY) as client:
        await client.list_competitions()
    expected = base64.b64encode(b"ada:0123456789abcdef").decode()
    assert fake_kaggle.requests[0].authorization == f"Basic {expected}"


async def test_category_filter_sends_the_host_segment_and_returns_only_that_category(
    fake_kaggle: FakeKaggle,
) -> None:
    fake_kaggle.add(
        make_competition("titanic", "Titanic", "Getting Started", reward="Knowledge"),
        make_competition(
            "playground-series-s6e1", "Tabular Playground", "Playground", reward="Swag"
        ),
        make_competition("big-money", "Big Money", "Featured", reward="$1,000,000"),
    )
    async with client_for(fake_kaggle) as client:
        competitions = await client.list_competitions(category="getting-started")

    assert fake_kaggle.list_requests[0].json["category"] == "HOST_SEGMENT_GETTING_STARTED"
    assert [(c.ref, c.category, c.reward) for c in competitions] == [
        ("titanic", "getting-started", "Knowledge")
    ]


async def test_search_and_sort_order_are_passed_through(fake_kaggle: FakeKaggle) -> None:
    fake_kaggle.add(
        make_competition("llm-judge", "LLM Judge", deadline=datetime(2031, 1, 1, tzinfo=UTC)),
        make_competition("llm-arena", "LLM Arena", deadline=datetime(2030, 6, 1, tzinfo=UTC)),
        make_competition("house-prices", "House Prices"),
    )
    async with client_for(fake_kaggle) as client:
        competitions = await client.list_competitions(search="llm", sort_by="latest-deadline")

    body = fake_kaggle.list_requests[0].json
    assert body["search"] == "llm"
    assert body["sortBy"] == "COMPETITION_SORT_BY_LATEST_DEADLINE"
    assert [c.ref for c in competitions] == ["llm-judge", "llm-arena"]


async def test_competition_fields_are_parsed_from_the_real_payload(fake_kaggle: FakeKaggle) -> None:
    fake_kaggle.add(
        make_competition(
            "titanic",
            "Titanic - Machine Learning from Disaster",
            "Getting Started",
            "2030-01-01T00:00:00.123456789Z",
            reward="Knowledge",
            description="Start here!",
            enabled_date="2012-09-28T21:13:33.55Z",
            team_count=15000,
            evaluation_metric="Categorization Accuracy",
            tags=("binary classification", "tabular"),
            is_kernels_submissions_only=True,
            user_has_entered=True,
            competition_id=3136,
        )
    )
    async with client_for(fake_kaggle) as client:
        [titanic] = await client.list_competitions()

    assert titanic == Competition(
        ref="titanic",
        title="Titanic - Machine Learning from Disaster",
        url="https://www.kaggle.com/competitions/titanic",
        description="Start here!",
        category="getting-started",
        reward="Knowledge",
        deadline=datetime(2030, 1, 1, 0, 0, 0, 123456, tzinfo=UTC),
        enabled_date=datetime(2012, 9, 28, 21, 13, 33, 550000, tzinfo=UTC),
        team_count=15000,
        evaluation_metric="Categorization Accuracy",
        tags=("binary classification", "tabular"),
        is_kernels_submissions_only=True,
        user_has_entered=True,
        id=3136,
    )


async def test_fields_omitted_at_their_protobuf_default_parse_to_defaults(
    fake_kaggle: FakeKaggle,
) -> None:
    fake_kaggle.add(
        {
            "ref": "https://www.kaggle.com/competitions/bare",
            "title": "Bare",
            "deadline": "2030-01-01T00:00:00Z",
        }
    )
    async with client_for(fake_kaggle) as client:
        [bare] = await client.list_competitions()
    assert (bare.ref, bare.url, bare.team_count, bare.user_has_entered, bare.tags, bare.reward) == (
        "bare",
        "https://www.kaggle.com/competitions/bare",
        0,
        False,
        (),
        None,
    )


async def test_a_repeated_page_token_does_not_loop_forever(fake_kaggle: FakeKaggle) -> None:
    fake_kaggle.add(*many(6))
    fake_kaggle.repeat_page_token = True
    async with client_for(fake_kaggle) as client:
        competitions = await client.list_competitions(page_size=2)
    assert len(fake_kaggle.list_requests) == 2
    assert len(competitions) == 4


# -- errors and retries ----------------------------------------------------------


async def test_401_raises_auth_error_naming_the_settings_without_retrying(
    fake_kaggle: FakeKaggle,
) -> None:
    fake_kaggle.fail_next(401)
    sleep = SleepRecorder()
    async with client_for(fake_kaggle, sleep=sleep) as client:
        with pytest.raises(KaggleAuthError) as caught:
            await client.list_competitions()

    assert isinstance(caught.value, IntegrationUnavailable)
    message = str(caught.value)
    assert "KAGGLE_USERNAME/KAGGLE_KEY" in message and "KAGGLE_API_TOKEN" in message
    assert "KGAT_secret_token_123" not in message
    assert len(fake_kaggle.requests) == 1
    assert sleep.delays == []


async def test_429_waits_the_retry_after_seconds_then_succeeds(fake_kaggle: FakeKaggle) -> None:
    fake_kaggle.add(*many(2))
    fake_kaggle.fail_next(429, retry_after=3)
    sleep = SleepRecorder()
    async with client_for(fake_kaggle, sleep=sleep) as client:
        competitions = await client.list_competitions()

    assert sleep.delays == [3.0]
    assert len(competitions) == 2
    assert len(fake_kaggle.requests) == 2


async def test_500_twice_then_success_backs_off_exponentially(fake_kaggle: FakeKaggle) -> None:
    fake_kaggle.add(*many(1))
    fake_kaggle.fail_next(500, times=2)
    sleep = SleepRecorder()
    async with client_for(fake_kaggle, sleep=sleep, backoff=0.5) as client:
        competitions = await client.list_competitions()

    assert [c.ref for c in competitions] == ["comp-00"]
    assert sleep.delays == [0.5, 1.0]


async def test_persistent_500_gives_up_after_max_attempts(fake_kaggle: FakeKaggle) -> None:
    fake_kaggle.fail_next(500, times=10)
    sleep = SleepRecorder()
    async with client_for(fake_kaggle, sleep=sleep, max_attempts=3) as client:
        with pytest.raises(KaggleUnavailable, match="HTTP 500"):
            await client.list_competitions()

    assert len(fake_kaggle.requests) == 3
    assert sleep.delays == [1.0, 2.0]


async def test_a_hanging_response_times_out_is_retried_then_gives_up(
    fake_kaggle: FakeKaggle,
) -> None:
    fake_kaggle.hang_next(times=2)
    sleep = SleepRecorder()
    async with client_for(fake_kaggle, sleep=sleep, timeout=0.2, max_attempts=2) as client:
        with pytest.raises(KaggleUnavailable, match="timed out"):
            await client.list_competitions()

    assert len(fake_kaggle.requests) == 2
    assert sleep.delays == [1.0]


async def test_a_hang_then_success_recovers(fake_kaggle: FakeKaggle) -> None:
    fake_kaggle.add(*many(1))
    fake_kaggle.hang_next()
    async with client_for(fake_kaggle, timeout=0.2) as client:
        competitions = await client.list_competitions()
    assert [c.ref for c in competitions] == ["comp-00"]


async def test_connection_refused_is_unavailable() -> None:
    async with FakeKaggle() as fake:
        base_url = fake.base_url  # the port is closed once the fake stops
    sleep = SleepRecorder()
    async with KaggleClient(TOKEN, base_url=base_url, sleep=sleep, max_attempts=2) as client:
        with pytest.raises(KaggleUnavailable, match="connection failed"):
            await client.list_competitions()
    assert sleep.delays == [1.0]


async def test_an_unreadable_payload_is_unavailable(fake_kaggle: FakeKaggle) -> None:
    fake_kaggle.fail_next(200, body={"competitions": "not a list"})
    async with client_for(fake_kaggle) as client:
        with pytest.raises(KaggleUnavailable, match="cannot read"):
            await client.list_competitions()


async def test_a_malformed_item_is_skipped_and_the_rest_kept(fake_kaggle: FakeKaggle) -> None:
    fake_kaggle.add(make_competition("good"), make_competition("bad", deadline="next tuesday"))
    async with client_for(fake_kaggle) as client:
        competitions = await client.list_competitions()
    assert [c.ref for c in competitions] == ["good"]


# -- legacy fallback -------------------------------------------------------------


async def test_404_on_the_new_endpoint_falls_back_to_the_legacy_list(
    fake_kaggle: FakeKaggle,
) -> None:
    fake_kaggle.new_endpoint_available = False
    fake_kaggle.legacy_page_size = 20
    fake_kaggle.add(
        *many(25, "Getting Started"), make_competition("big-prize", "Competition X", "Featured")
    )
    async with client_for(fake_kaggle, KEY) as client:
        competitions = await client.list_competitions(
            category="getting-started", search="competition"
        )
        again = await client.list_competitions()

    assert sorted(c.ref for c in competitions) == [f"comp-{i:02d}" for i in range(25)]
    assert all(c.category == "getting-started" for c in competitions)
    assert competitions[0].deadline is not None and competitions[0].deadline.tzinfo is not None
    new_call, *legacy_calls = fake_kaggle.list_requests[:4]
    assert new_call.path == NEW_PATH
    assert [r.path for r in legacy_calls] == [LEGACY_PATH] * 3  # 20, 5, then an empty page
    assert legacy_calls[0].method == "GET"
    assert legacy_calls[0].query == {
        "group": "general",
        "category": "gettingStarted",
        "sortBy": "earliestDeadline",
        "page": "1",
        "search": "competition",
    }
    assert legacy_calls[0].authorization == KEY.authorization()
    # The client remembers the new endpoint is missing and goes straight to legacy.
    assert len(again) == 26
    assert all(r.path == LEGACY_PATH for r in fake_kaggle.list_requests[4:])


# -- categories ------------------------------------------------------------------


def test_categories_are_the_user_facing_names() -> None:
    assert CATEGORIES == (
        "getting-started",
        "playground",
        "featured",
        "research",
        "recruitment",
        "community",
        "analytics",
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("getting-started", "getting-started"),
        ("Getting Started", "getting-started"),
        ("PLAYGROUND", "playground"),
    ],
)
def test_parse_category_accepts_reasonable_spellings(typed: str, expected: str) -> None:
    assert parse_category(typed) == expected


def test_parse_category_rejects_unknown_names_listing_the_valid_ones() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_category("masters")
    assert "getting-started" in str(caught.value) and "analytics" in str(caught.value)


async def test_an_unknown_category_fails_before_any_request(fake_kaggle: FakeKaggle) -> None:
    async with client_for(fake_kaggle) as client:
        with pytest.raises(InvalidInput):
            await client.list_competitions(category="kaggle-days")
    assert fake_kaggle.requests == []


# -- credentials -----------------------------------------------------------------


def test_discover_prefers_the_api_token(tmp_path: Path) -> None:
    env = {"KAGGLE_API_TOKEN": "KGAT_abc", "KAGGLE_USERNAME": "ada", "KAGGLE_KEY": "k"}
    creds = KaggleCredentials.discover(env, tmp_path)
    assert creds is not None and creds.authorization() == "Bearer KGAT_abc"


def test_discover_reads_a_token_file_named_by_kaggle_api_token(tmp_path: Path) -> None:
    token_file = tmp_path / "token.txt"
    token_file.write_text("KGAT_from_file\n")
    creds = KaggleCredentials.discover({"KAGGLE_API_TOKEN": str(token_file)}, tmp_path)
    assert creds is not None and creds.token == "KGAT_from_file"


def test_discover_reads_the_access_token_file(tmp_path: Path) -> None:
    (tmp_path / ".kaggle").mkdir()
    (tmp_path / ".kaggle" / "access_token").write_text("KGAT_saved\n")
    creds = KaggleCredentials.discover({}, tmp_path)
    assert creds is not None and creds.token == "KGAT_saved"


def test_discover_uses_username_and_key_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / ".kaggle").mkdir()
    (tmp_path / ".kaggle" / "kaggle.json").write_text(json.dumps({"username": "file", "key": "f"}))
    creds = KaggleCredentials.discover({"KAGGLE_USERNAME": "ada", "KAGGLE_KEY": "k123"}, tmp_path)
    assert creds is not None and (creds.username, creds.key) == ("ada", "k123")


def test_discover_reads_kaggle_json(tmp_path: Path) -> None:
    (tmp_path / ".kaggle").mkdir()
    (tmp_path / ".kaggle" / "kaggle.json").write_text(
        json.dumps({"username": "grace", "key": "k456"})
    )
    creds = KaggleCredentials.discover({}, tmp_path)
    assert creds is not None and (creds.username, creds.key) == ("grace", "k456")


def test_discover_honours_kaggle_config_dir(tmp_path: Path) -> None:
    config = tmp_path / "elsewhere"
    config.mkdir()
    (config / "kaggle.json").write_text(json.dumps({"username": "grace", "key": "k456"}))
    creds = KaggleCredentials.discover({"KAGGLE_CONFIG_DIR": str(config)}, tmp_path / "home")
    assert creds is not None and creds.username == "grace"


@pytest.mark.parametrize("content", ["", "{not json", json.dumps({"username": "only"})])
def test_discover_returns_none_without_usable_credentials(tmp_path: Path, content: str) -> None:
    (tmp_path / ".kaggle").mkdir()
    (tmp_path / ".kaggle" / "kaggle.json").write_text(content)
    assert KaggleCredentials.discover({"KAGGLE_USERNAME": "ada"}, tmp_path) is None


def test_repr_and_str_hide_the_secret() -> None:
    for creds in (TOKEN, KEY):
        shown = repr(creds) + str(creds) + f"{creds}"
        assert "KGAT_secret_token_123" not in shown
        assert "0123456789abcdef" not in shown
        assert "***" in shown
    assert "ada" in repr(KEY)


# -- dates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T23:59:00Z", datetime(2026, 12, 1, 23, 59, tzinfo=UTC)),
        ("2026-12-01T23:59:00.123456789Z", datetime(2026, 12, 1, 23, 59, 0, 123456, tzinfo=UTC)),
        ("2026-12-01T23:59:00.5Z", datetime(2026, 12, 1, 23, 59, 0, 500000, tzinfo=UTC)),
        ("2026-12-02T01:59:00+02:00", datetime(2026, 12, 1, 23, 59, tzinfo=UTC)),
        ("2026-12-01 23:59:00", datetime(2026, 12, 1, 23, 59, tzinfo=UTC)),
    ],
)
def test_kaggle_timestamps_parse_to_aware_utc(text: str, expected: datetime) -> None:
    parsed = parse_kaggle_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 0


def test_garbage_timestamps_are_rejected() -> None:
    with pytest.raises(ValueError):
        parse_kaggle_datetime("tomorrow")


async def test_an_error_envelope_on_http_200_is_still_an_error(fake_kaggle: FakeKaggle) -> None:
    # kagglesdk raises on {"code": >=400} whatever the HTTP status; so do we.
    fake_kaggle.fail_next(200, body={"code": 403, "message": "Permission denied"})
    async with client_for(fake_kaggle) as client:
        with pytest.raises(KaggleAuthError):
            await client.list_competitions()


async def test_a_retry_after_longer_than_a_poll_is_not_waited_out(fake_kaggle: FakeKaggle) -> None:
    fake_kaggle.fail_next(429, retry_after=3600)
    sleep = SleepRecorder()
    async with client_for(fake_kaggle, sleep=sleep) as client:
        with pytest.raises(KaggleUnavailable, match="3600"):
            await client.list_competitions()
    assert sleep.delays == []
    assert len(fake_kaggle.requests) == 1
