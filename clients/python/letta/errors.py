"""Errors. Every failed call raises a :class:`LettaError`: an :class:`APIError` when the server
answered with an error (``status``, ``code`` from the server's error catalog, ``detail``), an
:class:`APIConnectionError` when it could not be reached (the message names the URL)."""

from __future__ import annotations

from typing import Any, Dict, Optional


class LettaError(Exception):
    """Base class of every error this client raises."""


class APIError(LettaError):
    """The server answered with an HTTP error: ``status``, ``code``, ``detail`` and the ``body``."""

    def __init__(self, status: int, code: str, detail: str, body: Optional[Dict[str, Any]] = None,
                 method: str = "", url: str = "") -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.body = body if body is not None else {"detail": detail, "code": code}
        self.method = method
        self.url = url


class BadRequestError(APIError):
    """400, 413, 415 and 422: the request was refused as sent."""


class AuthenticationError(APIError):
    """401: missing or wrong API key (``create_client(token=...)`` or ``LETTA_API_KEY``)."""


class PermissionDeniedError(APIError):
    """403."""


class NotFoundError(APIError):
    """404: no such agent, conversation, run, ... (or route)."""


class ConflictError(APIError):
    """409: e.g. an agent name that is taken, or a busy conversation."""


class RateLimitError(APIError):
    """429 after the client's retries ran out; ``retry_after`` is the server's hint in seconds."""

    retry_after: Optional[float] = None


class InternalServerError(APIError):
    """5xx."""


class APIConnectionError(LettaError):
    """The server could not be reached (refused, DNS, TLS, reset): the message says which URL."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Cannot reach {url}: {reason}")
        self.url = url
        self.reason = reason


class APITimeoutError(APIConnectionError):
    """No answer within the client's ``timeout``."""


_BY_STATUS = {400: BadRequestError, 401: AuthenticationError, 403: PermissionDeniedError,
              404: NotFoundError, 409: ConflictError, 413: BadRequestError,
              415: BadRequestError, 422: BadRequestError, 429: RateLimitError}


def error_for(status: int, body: Any, method: str, url: str) -> APIError:
    """The exception for an error answer (the server's ``{detail, code}`` body when it sent one)."""
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        code, detail = str(body.get("code") or f"HTTP_{status}"), body["detail"]
    else:
        code, detail, body = f"HTTP_{status}", f"{method} {url} answered {status}", None
    cls = _BY_STATUS.get(status, InternalServerError if status >= 500 else APIError)
    return cls(status, code, detail, body, method, url)
