"""Access logs name the route, never the secret in a URL (reset tokens, certificate codes,
calendar links)."""

import logging
import re

from gunicorn.glogging import Logger

#: Paths that carry a secret, and what the log writes instead. A reset token lets anyone
#: who reads the log set the person's password; a certificate code names a young person.
SECRET_PATHS = (
    (re.compile(r"/auth/reset/[^/?#\s\"]+"), "/auth/reset/<token>"),
    (re.compile(r"/certificates/verify/[^/?#\s\"]+"), "/certificates/verify/<code>"),
    # A calendar link opens the person's camps and sessions to whoever holds it.
    (re.compile(r"/calendar/[^/?#\s\"]+\.ics"), "/calendar/<token>.ics"),
)


def redact(text):
    """`text` with every secret path segment replaced by its route pattern."""
    if not isinstance(text, str):
        return text
    for pattern, route in SECRET_PATHS:
        text = pattern.sub(route, text)
    return text


class AccessLogger(Logger):
    """gunicorn's logger whose atoms (path, request line, referrer, headers) are redacted, and
    whose error log ("Error handling request /auth/reset/…") is too."""

    def setup(self, cfg):
        super().setup(cfg)
        _add_filter(self.error_log)

    def atoms(self, resp, req, environ, request_time):
        return {
            key: redact(value)
            for key, value in super().atoms(resp, req, environ, request_time).items()
        }


class RedactingFilter(logging.Filter):
    """For the development server's request log (werkzeug), Flask's "Exception on <path>" and
    gunicorn's error log, which write the path."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) for arg in record.args)
        record.msg = redact(record.msg)
        return True


def _add_filter(logger: logging.Logger) -> None:
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())


def init_app(app) -> None:
    _add_filter(logging.getLogger("werkzeug"))
    _add_filter(app.logger)
