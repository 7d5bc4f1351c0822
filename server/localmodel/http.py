"""Tiny blocking HTTP calls (stdlib only): health checks must work with whatever HTTP library
the installed `openai` happens to use, and must show the status line a wrong URL gets."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass
class HttpReply:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class HttpFailure(Exception):
    """No HTTP answer at all: refused, reset, timed out, bad URL."""


def request(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
            timeout: float = 5.0) -> HttpReply:
    data = None if body is None else json.dumps(body).encode()
    all_headers = {"Accept": "application/json", **(headers or {})}
    if data is not None:
        all_headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as reply:  # noqa: S310 - http(s) URLs from config
            return HttpReply(reply.status, reply.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        return HttpReply(exc.code, exc.read().decode("utf-8", "replace") if exc.fp else "")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise HttpFailure(str(reason)) from exc
