"""Availability constants shared by the matcher and the intros (no numpy here: see matching)."""

from __future__ import annotations

from datetime import time

# Local hours assumed for a member who gave no availability windows.
DEFAULT_WINDOW = (time(8, 0), time(22, 0))
