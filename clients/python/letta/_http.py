"""The HTTP transport: urllib only, JSON in and out, bounded retries of 429 after Retry-After."""

from __future__ import annotations

import email.utils
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPException, HTTPResponse
from typing import Any, Dict, Mapping, Optional

from . import __version__
from .errors import APIConnectionError, APITimeoutError, RateLimitError, error_for

#: The longest a single Retry-After wait may be; a longer hint raises RateLimitError at once.
MAX_RETRY_WAIT = 60.0


def _retry_after(value: Optional[str]) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); 1 when absent."""
    if not value:
        return 1.0
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return 1.0


class Transport:
    def __init__(self, base_url: str, token: Optional[str], timeout: float, max_retries: int) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.max_retries = max_retries

    def url(self, path: str, query: Optional[Mapping[str, Any]] = None) -> str:
        url = self.base_url + path
        if query:
            pairs = []
            for key, value in query.items():
                if value is None:
                    continue
                for item in value if isinstance(value, (list, tuple)) else [value]:
                    pairs.append((key, str(item).lower() if isinstance(item, bool) else str(item)))
            if pairs:
                url += "?" + urllib.parse.urlencode(pairs)
        return url

    def open(self, method: str, path: str, query: Optional[Mapping[str, Any]] = None,
             body: Any = None) -> HTTPResponse:
        """Sends the request and returns the open response of a 2xx answer; raises otherwise."""
        url = self.url(path, query)
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"Accept": "application/json", "User-Agent": f"letta-ts-client-python/{__version__}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        attempt = 0
        while True:
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                return urllib.request.urlopen(request, timeout=self.timeout)
            except urllib.error.HTTPError as err:
                raw = err.read()
                err.close()
                try:
                    parsed = json.loads(raw.decode("utf-8")) if raw else None
                except ValueError:
                    parsed = None
                if err.code == 429:
                    wait = _retry_after(err.headers.get("Retry-After"))
                    if attempt < self.max_retries and wait <= MAX_RETRY_WAIT:
                        attempt += 1
                        time.sleep(wait)
                        continue
                    error = error_for(err.code, parsed, method, url)
                    error.retry_after = wait  # type: ignore[attr-defined]
                    raise error from None
                raise error_for(err.code, parsed, method, url) from None
            except urllib.error.URLError as err:
                if isinstance(err.reason, (socket.timeout, TimeoutError)):
                    raise APITimeoutError(url, f"no answer within {self.timeout} s") from None
                raise APIConnectionError(url, str(err.reason)) from None
            except (socket.timeout, TimeoutError):
                raise APITimeoutError(url, f"no answer within {self.timeout} s") from None
            except (HTTPException, OSError) as err:
                raise APIConnectionError(url, str(err) or type(err).__name__) from None

    def json(self, method: str, path: str, query: Optional[Mapping[str, Any]] = None,
             body: Any = None) -> Any:
        """Sends the request and returns the parsed JSON answer."""
        url = self.url(path, query)
        response = self.open(method, path, query, body)
        try:
            raw = response.read()
        except (socket.timeout, TimeoutError):
            raise APITimeoutError(url, f"no answer within {self.timeout} s") from None
        except (HTTPException, OSError) as err:
            raise APIConnectionError(url, str(err) or type(err).__name__) from None
        finally:
            response.close()
        return json.loads(raw.decode("utf-8")) if raw else None


def headers_of(response: HTTPResponse) -> Dict[str, str]:
    return {k.lower(): v for k, v in response.getheaders()}
