"""Pagination and search patterns shared by every list page."""

from urllib.parse import urlencode

from flask import current_app
from flask import request

from portal.extensions import db


def paginate(query, per_page: int | None = None):
    """One page of `query` from `?page=`; out-of-range pages answer 404."""
    return db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=per_page or current_app.config["PER_PAGE"],
        max_per_page=100,
        error_out=True,
    )


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with wildcards in `text` taken literally."""
    escaped = text.strip().casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def page_url(number: int) -> str:
    """This list's address on page `number`, keeping its filters."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "page"]
    args.append(("page", str(number)))
    return request.path + "?" + urlencode(args)
