"""The small vocabulary of domain errors.

Services raise these; one place (the command dispatcher) turns them into a
one-line reply. A user never sees a traceback.
"""

from __future__ import annotations


class PivotError(Exception):
    """Base of every error a user may be shown. The message is the user-facing line."""


class InvalidInput(PivotError):
    """The user's input is malformed or out of range."""


class NotFound(PivotError):
    """The thing the user named does not exist in this community (or is hidden from them)."""


class NotAllowed(PivotError):
    """The user may not do this (permissions, ownership, one-attempt rules)."""


class IntegrationUnavailable(PivotError):
    """An outside service (Kaggle, a platform) is not configured or not reachable."""
