"""The Slack Web API client, pointed where settings say, and the one upload we do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.messages import Image

if TYPE_CHECKING:
    from bot.config import Settings

DEFAULT_API_URL = "https://slack.com/api/"


def api_base_url(settings: Settings) -> str:
    """`slack.api_url` with the trailing slash slack_sdk needs: it joins method names with
    urljoin, so `http://proxy/api` would silently call `http://proxy/chat.postMessage`."""
    url = settings.slack.api_url or DEFAULT_API_URL
    return url.rstrip("/") + "/"


def make_client(settings: Settings, *, retries: bool = True) -> AsyncWebClient:
    """A client with the bot token. `retries=False` drops slack_sdk's own retry of connection
    errors: the outbox owns retries of its deliveries, and a second layer would double them
    (and could post twice when a request reached Slack but its answer was lost)."""
    token = settings.slack.bot_token.get_secret_value() if settings.slack.bot_token else None
    client = AsyncWebClient(token=token, base_url=api_base_url(settings))
    if not retries:
        client.retry_handlers = []
    return client


async def upload_image(client: AsyncWebClient, image: Image) -> str:
    """Upload a chart privately (files.getUploadURLExternal, POST the bytes,
    files.completeUploadExternal without a channel) and return its file id, which an
    image block shows with `slack_file`. Shared nowhere else, so it also works in ephemeral
    replies."""
    response = await client.files_upload_v2(
        content=image.data,
        filename=image.filename,
        title=image.alt or image.filename,
        alt_txt=image.alt or None,
    )
    return str(response["file"]["id"])
