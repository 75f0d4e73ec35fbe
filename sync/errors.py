"""Typed errors of the kiosk's hall client. Nothing from ``requests`` leaves ``sync/``.

Every failure of a call to the hall server is one of these, with a short message that is
safe to show to staff and to write to the log (no token, no key, no body of a roster):

- :class:`ServerUnreachable`: no answer at all (refused, DNS, TLS handshake, timeout)
  after the retries; the kiosk keeps everything and tries again later.
- :class:`ServerError`: the server answered with an error status (after retries for 5xx
  and 429). ``status`` and ``code`` (the :class:`~sync.protocol.ErrorBody` code) say why.
- :class:`AuthError`: 401/403, the kiosk's token is wrong, revoked or not a kiosk's.
- :class:`BadResponse`: an answer that is not what the protocol says (not JSON, a body
  that does not validate, a roster body whose checksum or count is wrong, cut short).
"""

from __future__ import annotations


class SyncError(Exception):
    """Talking to the hall server failed; ``message`` is fit for the staff panel."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ServerUnreachable(SyncError):
    """No answer from the hall server (connection refused, timeout, TLS, DNS)."""


class ServerError(SyncError):
    """The server answered with an error status."""

    def __init__(self, message: str, *, status: int, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class AuthError(ServerError):
    """401 or 403: the kiosk's token is not accepted for this call."""


class BadResponse(SyncError):
    """The server's answer does not follow the protocol (malformed, cut short, wrong sum)."""
