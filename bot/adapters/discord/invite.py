"""The OAuth2 invite URL, asking for exactly the permissions Pivot uses.

Interaction replies (slash commands, buttons, modals) need no channel permission at
all; only what the outbox sender does in channels counts:

- View Channel: see the channels it posts in (scheduled posts, DM fallbacks).
- Send Messages: post there.
- Embed Links: every reply is an embed; without it Discord silently strips them.
- Attach Files: charts are PNG attachments.
- Create Private Threads: buddy intros and other group posts are private threads.
- Create Public Threads: a showcased project's discussion is a thread started from its card.
- Send Messages in Threads: post the intro inside that thread. Adding members to a
  thread only needs the ability to send messages in it, so Manage Threads is not asked.

Not asked: Read Message History (Pivot fetches no messages — that someone wrote in a
question's thread arrives as a gateway event; the only thread it starts from a message starts
from its own post), Mention Everyone (it only mentions users it addresses),
Manage Messages, Manage Threads, Administrator.
"""

from __future__ import annotations

from urllib.parse import urlencode

VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38

PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | CREATE_PUBLIC_THREADS
    | CREATE_PRIVATE_THREADS
    | SEND_MESSAGES_IN_THREADS
)
SCOPES = ("bot", "applications.commands")


def invite_url(client_id: str) -> str:
    query = urlencode(
        {"client_id": client_id, "scope": " ".join(SCOPES), "permissions": str(PERMISSIONS)}
    )
    return f"https://discord.com/oauth2/authorize?{query}"
