"""Talking to a message provider over HTTP (the SMS gateway, the Telegram Bot API).

One small client on the standard library, so that every channel reads a provider's answer the
same way: a 2xx is taken; 408, 429 and 5xx mean "try again later"; any other 4xx means the
provider never will take this message (a bad number, a blocked bot), so the outbox gives up at
once; a refused connection or a timeout means nothing of the batch can go now.
"""

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from portal.outbox import DeliveryError
from portal.outbox import ProviderUnreachable

#: Answers that say "not now" rather than "never".
RETRY_LATER = {408, 425, 429}


class ProviderAnswer(dict):
    """A provider's JSON answer (an empty one when it sent no JSON) and its HTTP status."""

    status: int = 0


def check_url(url: str) -> str:
    """A provider URL must be http(s): anything else (file:, ftp:) is a configuration error."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"a provider URL must start with http:// or https://, not {url!r}")
    return url


def post_json(url: str, payload: dict[str, Any], *, headers: dict[str, str] | None = None,
              timeout: float = 10.0) -> ProviderAnswer:  # fmt: skip
    """POST `payload` as JSON and return the JSON answer of a 2xx; raise DeliveryError (or
    ProviderUnreachable) with what the provider said otherwise."""
    request = urllib.request.Request(  # noqa: S310  (the scheme is checked: http or https)
        check_url(url),
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # nosec B310
            answer = _answer(response.read(), response.status)
    except urllib.error.HTTPError as error:
        answer = _answer(error.read(), error.code)
        said = answer_text(answer)
        if error.code >= 500 or error.code in RETRY_LATER:
            raise DeliveryError(said) from error
        raise DeliveryError(said, permanent=True) from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ProviderUnreachable(f"{type(reason).__name__}: {reason}"[:500]) from error
    return answer


def _answer(body: bytes, status: int) -> ProviderAnswer:
    answer = ProviderAnswer()
    try:
        parsed = json.loads(body.decode("utf-8", "replace")) if body else {}
    except ValueError:
        parsed = {"description": body.decode("utf-8", "replace")[:200]}
    if isinstance(parsed, dict):
        answer.update(parsed)
    answer.status = status
    return answer


def answer_text(answer: ProviderAnswer) -> str:
    """The provider's answer for the failed-messages page: its status and what it said."""
    said = answer.get("description") or answer.get("error") or answer.get("message") or ""
    return f"{answer.status} {said}".strip()[:500]
