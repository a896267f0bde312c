"""The one place member text is made safe to store and to show.

Every text a member types (command parameters, form fields, display names from the
platforms) passes through `clean_text` before a handler sees it:

- Unicode NFC, so the same word is stored one way;
- a NUL byte is refused (PostgreSQL cannot store it, and it never belongs in chat text);
- bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), directional marks and
  other invisible control characters are removed, so nothing stored can reorder or hide what
  others read. Newlines and tabs stay; zero-width joiners stay (emoji sequences need them);
- the length limit is checked after cleaning.
"""

from __future__ import annotations

import re
import unicodedata

from bot.core.errors import InvalidInput

# Cc except \t \n, plus the format characters that deceive: bidi embeddings/overrides/isolates,
# LRM/RLM/ALM, zero-width space and no-break space, the BOM, invisible operators.
_STRIP_RE = re.compile(
    "[\x01-\x08\x0b-\x1f\x7f-\x9f"
    "\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]"
)


def clean_text(text: str, *, label: str = "text", max_length: int | None = None,
               multiline: bool = True) -> str:
    """`text` normalised and stripped of deceiving characters; InvalidInput names `label`."""
    if "\x00" in text:
        raise InvalidInput(f"{label} contains a NUL character; remove it and try again.")
    cleaned = _STRIP_RE.sub("", unicodedata.normalize("NFC", text))
    cleaned = cleaned.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        cleaned = " ".join(cleaned.split())
    cleaned = cleaned.strip()
    if max_length is not None and len(cleaned) > max_length:
        raise InvalidInput(f"{label} is too long ({len(cleaned)} characters; at most {max_length}).")
    return cleaned


def clean_name(text: str, *, max_length: int = 100) -> str:
    """A display or community name from a platform: cleaned, one line, cut to fit (never refused)."""
    cleaned = " ".join(_STRIP_RE.sub("", unicodedata.normalize("NFC", text.replace("\x00", ""))).split())
    return cleaned[:max_length]


def plural(count: int, singular: str, many: str | None = None) -> str:
    """`1 day`, `3 days`, `1 entry`/`2 entries` (pass `many` for irregular words)."""
    return f"{count} {singular if count == 1 else many or singular + 's'}"
