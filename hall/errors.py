"""The hall server's errors. Use cases raise these; the API turns them into answers with
an :class:`sync.protocol.ErrorBody`, the CLI into a message and an exit code."""

from __future__ import annotations

from sync.protocol import FieldError


class HallError(Exception):
    """Base of every error the hall server reports to a caller."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFound(HallError):
    status = 404
    code = "not_found"


class Conflict(HallError):
    status = 409
    code = "conflict"


class Invalid(HallError):
    status = 422
    code = "invalid"
