"""Pagination and search patterns shared by every list page."""

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import abort
from flask import current_app
from flask import request
from flask import url_for

from portal.database import built
from portal.extensions import db

#: No list has this many pages; a larger `?page=` is not converted, just answered 404.
MAX_PAGE = 10**6


def page_number() -> int:
    """`?page=` as a number: 1 when absent or not a number; 404 when it is out of range."""
    raw = request.args.get("page", "")
    if not re.fullmatch(r"-?[0-9]+", raw):
        return 1
    if raw.startswith("-") or len(raw) > len(str(MAX_PAGE)) or int(raw) > MAX_PAGE:
        abort(404)
    return int(raw)


def paginate(query, per_page: int | None = None, *, kept: bool = False) -> "Page":
    """One page of an entity `query` from `?page=`; out-of-range pages answer 404. `kept`: the
    query is a statement kept by database.built, so its count and pages are built once too."""
    keys, chosen, count = _by_key(query, kept)
    return Page(
        count_rows(keys, count),
        lambda limit, offset: db.session.scalars(chosen(limit, offset)).unique().all(),
        per_page,
    )


def paginate_rows(query, per_page: int | None = None, *, kept: bool = False) -> "Page":
    """One page of a select with several columns, led by an entity (rows, not entities)."""
    keys, chosen, count = _by_key(query, kept)
    return Page(
        count_rows(keys, count),
        lambda limit, offset: db.session.execute(chosen(limit, offset)).all(),
        per_page,
    )


def paginate_window(
    keys,
    load,
    per_page: int | None = None,
    *,
    counted=None,
    total: int | None = None,
    kept: bool = False,
) -> "Page":
    """One page of `keys` (a sorted select of one table's ids), its rows from `load(window)`,
    given the page's ids as a subquery: the list is counted and sorted by its narrow keys alone,
    and only the page's rows are looked up, as plain columns. `counted`, when given, is the
    same list written the way the database counts fastest; `total`, the count already known.
    `kept`: `keys` (and `counted`) are statements kept by database.built, so their count and
    each page's window are built once too (then `load` may keep its statement by the window)."""
    if total is None:
        query = keys if counted is None else counted
        total = count_rows(query, kept_count_statement(query) if kept else None)

    def window(limit: int, offset: int):
        if not kept:
            return _window(keys, limit, offset)
        return built(("window", keys, limit, offset), lambda: _window(keys, limit, offset))

    return Page(total, lambda limit, offset: load(window(limit, offset)), per_page)


def _window(keys, limit: int, offset: int):
    # Written into the SQL, not bound: with a bound LIMIT SQLite plans the outer query as if
    # the window could hold every row (the directory's page took 17 ms instead of 0.8 ms).
    return (
        keys.limit(sa.literal_column(str(int(limit))))
        .offset(sa.literal_column(str(int(offset))))
        .subquery()
    )


def page_within(query, number: int) -> int:
    """Page `number` of `query`, or its last page if the list has shrunk below it (after a
    bulk change, so that going back to the list never lands on a page that is gone)."""
    pages = max(1, -(-count_rows(query) // min(current_app.config["PER_PAGE"], 100)))
    return max(1, min(number, pages))


def _by_key(query, kept: bool = False):
    """The page is chosen by primary key first, a narrow sort that an index can often serve;
    its rows are then loaded whole (eager loads and computed columns included) in the same
    statement. Sorting and computing whole rows of 20,000 applications was the slow part.
    Returns the keys, the page's statement by (limit, offset) and the count statement (None
    unless `kept`: then all three are built once, database.built)."""
    if not kept:
        keys = query.with_only_columns(_key_of(query))
        return keys, lambda limit, offset: _page_of(query, keys, limit, offset), None
    keys = built(("by-key", query), lambda: query.with_only_columns(_key_of(query)))
    return keys, lambda limit, offset: built(
        ("by-key-page", query, limit, offset), lambda: _page_of(query, keys, limit, offset)
    ), kept_count_statement(keys)  # fmt: skip


def _key_of(query):
    entity = query.column_descriptions[0]["entity"]
    return sa.inspect(entity).primary_key[0]


def _page_of(query, keys, limit: int, offset: int):
    # A join, not `IN (subquery)`: SQLite then starts from the page's keys and looks the rows
    # up by id, instead of scanning the whole filtered list again.
    window = keys.limit(limit).offset(offset).subquery()
    return query.join(window, window.c[0] == _key_of(query))


def count_statement(query):
    """`SELECT count(*)` of the rows of `query`."""
    return sa.select(sa.func.count()).select_from(query.order_by(None).subquery())


def kept_count_statement(query):
    """`count_statement(query)` of a statement kept by database.built, built once too."""
    return built(("count", query), lambda: count_statement(query))


def count_rows(query, statement=None) -> int:
    """How many rows `query` has (by `statement`, its count statement built already)."""
    return db.session.scalar(statement if statement is not None else count_statement(query)) or 0


class Page:
    """One page of a list, with what the pager macro needs."""

    def __init__(self, total: int, load, per_page: int | None = None):
        self.page = page_number()
        self.per_page = min(per_page or current_app.config["PER_PAGE"], 100)
        self.total = total
        self.pages = max(1, -(-total // self.per_page))
        if self.page < 1 or self.page > self.pages:
            abort(404)
        self.items = load(self.per_page, (self.page - 1) * self.per_page)
        self.has_prev = self.page > 1
        self.has_next = self.page < self.pages
        self.prev_num = self.page - 1
        self.next_num = self.page + 1


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with wildcards in `text` taken literally."""
    escaped = text.strip().casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


#: A number no row has, standing for the row's id while a list's link is built once.
_ROW_MARK = 9_187_236_450_001


def row_url(endpoint: str, name: str, **values) -> Callable[[int], str]:
    """`url_for(endpoint, **{name: row_id}, **values)` for every row of a list, built once:
    the rows' links differ only in their id (a page of 50 rows built 50 through the router)."""
    arguments: dict[str, Any] = {**values, name: _ROW_MARK}
    head, found, tail = url_for(endpoint, **arguments).partition(str(_ROW_MARK))
    if not found:  # the id is not in the address as written (a converter that changes it)
        return lambda row_id: url_for(endpoint, **{**arguments, name: row_id})
    return lambda row_id: f"{head}{int(row_id)}{tail}"


def page_url(number: int) -> str:
    """This list's address on page `number`, keeping its filters."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "page"]
    args.append(("page", str(number)))
    return request.path + "?" + urlencode(args)
