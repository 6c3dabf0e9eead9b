"""Rendered fragments kept per worker: HTML that is the same for every request with the same
key (a menu per language and roles, a form per camp and language), rendered once.

A fragment's template sees only what its key is made of. What differs from one request to the
next (a CSRF token, an unread count) is left in it as a slot, an HTML comment no text can
contain once escaped, and filled in on every request; it is never kept. Keys hold everything
else the fragment shows, so a kept fragment is never stale: what changes makes a new key. A
worker keeps at most MAX_KEPT fragments (a few per language, role mix and camp); past that, the
one kept longest makes room for the new one (portal/bounded.py).
"""

import re
from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Mapping

from flask import current_app
from flask import request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from markupsafe import escape

from portal.bounded import kept_in
from portal.i18n import locale_code

#: Rendered fragments by key, per worker.
KEPT: dict[tuple, str] = {}
MAX_KEPT = 256
#: Table rows drawn from plain values, by template, language and values, per worker.
ROWS: dict[tuple, Markup] = {}
MAX_ROWS = 2048
#: Pages kept rendered under a version every change to what they show moves (a reader's plan,
#: portal/groups/kept.py; an applications list, portal/camps/versions.py), per worker: a store
#: of their own, so that many pages read in a row push out older pages, not the menus and forms
#: every page keeps.
PAGES: dict[tuple, str] = {}
MAX_PAGES = 256
#: The slot of a form's CSRF token.
CSRF = Markup("<!--fragment:csrf-->")
#: A person's name, by their id: names are never kept, so a renamed or erased person's old
#: name cannot outlive the change in any worker.
_NAME = re.compile(r"<!--fragment:name:(\d+)-->")


def kept(key: tuple, render: Callable[[], str]) -> str:
    """The fragment kept under `key`, or `render()`'s (then kept)."""
    return kept_in(KEPT, MAX_KEPT, key, render)


def kept_page(key: tuple, render: Callable[[], str]) -> str:
    """The page content kept under `key` in PAGES, or `render()`'s (then kept)."""
    return kept_in(PAGES, MAX_PAGES, key, render)


def drawn_row(template: str, *values: Hashable) -> Markup:
    """The table row that the macro `row(*values)` of `template` draws, kept under the
    language, the site's root and the values themselves: a row is drawn again only when
    something it shows has changed. Drawing one costs a macro call, a dozen lookups,
    translations and escapes; a kept one costs a dict lookup. The macro draws from its arguments
    and the language alone (no request, no signed-in user), so the same key always gives the
    same row. Values are plain data (text, numbers, dates, enums, places): a lazy translation
    hashes by the language of the moment and must be made text first. Values that cannot be
    hashed are drawn every time."""

    return _drawn(template, locale_code(), request.script_root, values)


def drawn_rows(template: str, rows: Iterable[tuple]) -> Markup:
    """Each of `rows` (the values of one row) as drawn_row draws it, one row a line: a list's
    rows in one call from its page, not a template call (and its arguments' lookups) a row."""
    language, root = locale_code(), request.script_root
    return Markup("\n").join(_drawn(template, language, root, values) for values in rows)


def _drawn(template: str, language: str, root: str, values: tuple) -> Markup:
    def draw() -> Markup:
        module = current_app.jinja_env.get_template(template).module
        # An autoescaped template's output: no raw text.
        return Markup(module.row(*values))  # type: ignore[attr-defined]  # nosec B704

    try:
        return kept_in(ROWS, MAX_ROWS, (template, language, root, values), draw)
    except TypeError:  # an unhashable value
        return draw()


def csrf_input() -> Markup:
    """The hidden token field of a form, as WTForms renders it (none where CSRF is switched
    off, as on some test servers: the page had none either)."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return Markup("")
    token = escape(generate_csrf())
    return Markup(f'<input id="csrf_token" name="csrf_token" type="hidden" value="{token}">')  # nosec B704: escaped


def filled(html: str, slots: Mapping[Markup, str]) -> Markup:
    """A kept fragment with this request's values in its slots (each escaped or Markup)."""
    for slot, value in slots.items():
        html = html.replace(slot, value)
    # An autoescaped template's output with escaped values in its slots: no raw text.
    return Markup(html)  # nosec B704


def name_slot(person) -> Markup:
    """The slot of `person`'s name in a kept fragment ("" for nobody), filled by fill_names."""
    return Markup("") if person is None else Markup(f"<!--fragment:name:{int(person.id)}-->")  # nosec B704


def named_in(html: str) -> set[int]:
    """The ids of the people whose names `html` has slots for."""
    return {int(number) for number in _NAME.findall(html)}


def fill_names(html: str, names: Mapping[int, str]) -> Markup:
    """A kept fragment with each name slot filled (escaped) from `names`, id → name."""
    return Markup(_NAME.sub(lambda slot: str(escape(names.get(int(slot[1]), ""))), html))  # nosec B704
