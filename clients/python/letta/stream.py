"""A streamed reply: an iterator of NDJSON lines, each yielded as soon as it arrives."""

from __future__ import annotations

import json
import socket
from http.client import HTTPException, HTTPResponse
from typing import Iterator, Optional

from .errors import APIConnectionError, APITimeoutError, LettaError
from .types import StreamLine


class StreamError(LettaError):
    """The streamed run failed: raised after its last line, with the ``code`` and ``detail`` the
    server sent on its ``{"error": ...}`` line, and the ``done`` line (stop_reason, run_id)."""

    def __init__(self, code: str, detail: str, done: Optional[StreamLine]) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.done = done


class MessageStream:
    """Iterate it for :class:`StreamLine` objects (``{"content": "<delta>"}``, typed lines, and
    last the ``done`` line). ``run_id`` is known before the first line; ``content`` collects the
    text streamed so far. Use it in a ``with`` block (or call ``close()``) to stop early; the run
    itself goes on on the server."""

    def __init__(self, response: HTTPResponse, url: str) -> None:
        self._response = response
        self._url = url
        self.run_id: Optional[str] = response.headers.get("x-run-id")
        self.content = ""
        self.done: Optional[StreamLine] = None

    def __iter__(self) -> Iterator[StreamLine]:
        error = None
        try:
            while True:
                try:
                    raw = self._response.readline()
                except (socket.timeout, TimeoutError):
                    raise APITimeoutError(self._url, "the stream went silent") from None
                except (HTTPException, OSError) as err:
                    raise APIConnectionError(self._url, str(err) or type(err).__name__) from None
                if not raw:
                    break
                if not raw.strip():
                    continue
                line = StreamLine(json.loads(raw.decode("utf-8")))
                if isinstance(line.get("content"), str):
                    self.content += line["content"]
                if isinstance(line.get("error"), dict):
                    error = line["error"]
                if line.is_done:
                    self.done = line
                yield line
                if line.is_done:
                    break
        finally:
            self.close()
        if error is not None:
            raise StreamError(str(error.get("code")), str(error.get("detail")), self.done)

    def close(self) -> None:
        self._response.close()

    def __enter__(self) -> "MessageStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
