"""Pagination and search patterns shared by every list page."""

from urllib.parse import urlencode

import sqlalchemy as sa
from flask import abort
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


class RowPage:
    """One page of a select with several columns (db.paginate keeps only the first)."""

    def __init__(self, query, page: int, per_page: int):
        self.page = page
        self.per_page = per_page
        self.total = db.session.scalar(
            sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
        )
        self.pages = max(1, -(-self.total // per_page))
        if page < 1 or (page > self.pages and page > 1):
            abort(404)
        self.items = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
        self.has_prev = page > 1
        self.has_next = page < self.pages
        self.prev_num = page - 1
        self.next_num = page + 1


def paginate_rows(query, per_page: int | None = None) -> RowPage:
    return RowPage(
        query,
        request.args.get("page", 1, type=int),
        per_page or current_app.config["PER_PAGE"],
    )
