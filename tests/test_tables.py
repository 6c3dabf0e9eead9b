"""Tables on a phone (issue 17): every table scrolls inside a named, focusable box with a hint,
so the page itself never scrolls sideways (tests/browser/test_page_width.py measures that)."""

import re
from pathlib import Path

import pytest

from portal.security import Role
from tests.factories import CampFactory
from tests.helpers import translated

TEMPLATES = Path(__file__).parent.parent / "portal" / "templates"


def test_every_table_in_the_templates_sits_in_a_scrolling_box():
    unwrapped = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<table", text):
            opened = text.rfind("{% call scrolling(", 0, match.start())
            closed = text.rfind("{% endcall %}", 0, match.start())
            if opened == -1 or closed > opened:
                unwrapped.append(
                    f"{path.relative_to(TEMPLATES)}:{text.count(chr(10), 0, match.start()) + 1}"
                )
    assert unwrapped == []


@pytest.mark.parametrize("locale", ["ky", "ru", "uz_Cyrl"])
def test_a_table_box_is_a_named_focusable_region_with_a_translated_hint(client, login_as, locale):
    login_as(Role.ORGANISER, locale=locale)
    CampFactory()
    page = client.get("/manage/camps").text
    box = re.search(
        r'<div class="table-scroll"([^>]*)>\s*<p class="scroll-hint"[^>]*>([^<]*)</p>', page
    )
    assert box, "the camps table is not in a scrolling box with a hint"
    attributes, hint = box.groups()
    assert 'role="region"' in attributes and 'tabindex="0"' in attributes
    camps = translated("Camps", locale)
    label = translated("Table: %(name)s", locale, name=camps)
    assert f'aria-label="{label}"' in attributes and label != f"Table: {camps}"
    assert (
        hint == translated("Scroll sideways to see more", locale) != "Scroll sideways to see more"
    )
