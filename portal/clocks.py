"""Timestamps that one app server writes and another reads, whose clocks differ by a little.

Behind the proxy, a person's next request may reach a server whose clock runs a few seconds
behind the one that signed their session cookie. itsdangerous refuses a signature from the
future outright ("age < 0"), so the person was signed out. Here a timestamp up to
CLOCK_SKEW_SECONDS ahead is taken as "now"; one further ahead is refused as before (no server
of ours is that wrong, so the value is not to be trusted).
"""

import time

from flask import current_app
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import SignatureExpired
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer


def allowed_skew() -> int:
    return int(current_app.config["CLOCK_SKEW_SECONDS"])


def clamp_to_now(timestamp: float | None, now: float | None = None) -> float | None:
    """`timestamp` (seconds), or now when it lies at most the allowed skew in the future;
    None when it lies further ahead (or is missing)."""
    if timestamp is None:
        return None
    now = time.time() if now is None else now
    if timestamp <= now:
        return timestamp
    return now if timestamp - now <= allowed_skew() else None


class SkewTolerantSigner(TimestampSigner):
    """A TimestampSigner that takes a signature up to `skew` seconds in the future as new."""

    def __init__(self, *args, skew: int = 30, **kwargs):
        super().__init__(*args, **kwargs)
        self.skew = skew

    def unsign(self, signed_value, max_age=None, return_timestamp=False):
        value, signed_at = super().unsign(signed_value, return_timestamp=True)
        age = self.get_timestamp() - int(signed_at.timestamp())
        if age < -self.skew:
            raise SignatureExpired(
                f"Signature age {age} < -{self.skew} seconds", payload=value, date_signed=signed_at
            )
        if max_age is not None and age > max_age:
            raise SignatureExpired(
                f"Signature age {age} > {max_age} seconds", payload=value, date_signed=signed_at
            )
        return (value, signed_at) if return_timestamp else value


def timed_serializer(salt: str) -> URLSafeTimedSerializer:
    """A serializer for signed, dated values (links, cookies) that tolerates the skew."""
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"],
        salt=salt,
        signer=SkewTolerantSigner,
        signer_kwargs={"skew": allowed_skew()},
    )


class SkewTolerantSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, read with the tolerant signer."""

    def get_signing_serializer(self, app):
        serializer = super().get_signing_serializer(app)
        if serializer is not None:
            serializer.signer = SkewTolerantSigner
            serializer.signer_kwargs = {
                **serializer.signer_kwargs,
                "skew": int(app.config["CLOCK_SKEW_SECONDS"]),
            }
        return serializer


def init_app(app) -> None:
    app.session_interface = SkewTolerantSessionInterface()
