"""Absolute links for messages and documents, always built from the configured BASE_URL.

A link that leaves the portal (a reset link in an e-mail, a QR code on a certificate, a reminder
sent by cron) must never be built from the request's `Host` or `X-Forwarded-Host`: anyone can
forge those and would receive the reset token. So these links ignore the request entirely and
work the same in a view, a command and a worker.
"""

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` on the portal's public address (BASE_URL)."""
    app = current_app
    base = urlsplit(app.config["BASE_URL"])
    adapter = app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def public_host(base_url: str) -> str:
    """The host name (without port) of a BASE_URL, for TRUSTED_HOSTS."""
    return (urlsplit(base_url).hostname or "").lower()


def local_path(endpoint: str, **values) -> str:
    """The site-relative path of `endpoint` (for in-app notification links), without a request."""
    app = current_app
    base = urlsplit(app.config["BASE_URL"])
    adapter = app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/")
    return adapter.build(endpoint, values)


def absolute_link(path: str) -> str:
    """A site-relative path (from `local_path`) as an absolute link on BASE_URL."""
    base = urlsplit(current_app.config["BASE_URL"])
    return f"{base.scheme or 'https'}://{base.netloc}{path}"
