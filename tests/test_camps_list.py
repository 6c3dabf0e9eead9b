"""The public camp list (issue 18): open camps first, then those whose applications are closed,
then past ones, each of those two saying so; the order holds across pages."""

import re
from datetime import timedelta

from portal.camps.models import CampStatus
from portal.i18n import local_today
from tests.factories import CampFactory
from tests.helpers import translated


def titles_by_section(page: str) -> dict[str, list[str]]:
    """Each section's id (camps-open, …) with its camps' titles, in the page's order."""
    sections = re.findall(r'<section aria-labelledby="(camps-[a-z_]+)">(.*?)</section>', page, re.S)
    return {
        name: re.findall(r'<h3><a href="/camps/\d+">([^<]+)</a></h3>', body)
        for name, body in sections
    }


def camps_of_every_phase():
    today = local_today()
    CampFactory(title={"ky": "Кийинки"}, start_date=today + timedelta(days=40))
    CampFactory(title={"ky": "Жакынкы"}, start_date=today + timedelta(days=20))
    # Applications closed a day ago, the camp is still to come.
    CampFactory(
        title={"ky": "Кабыл алуу бүттү"},
        start_date=today + timedelta(days=3),
        applications_close=today - timedelta(days=1),
    )
    # Closed by the organisers before its closing date.
    CampFactory(title={"ky": "Жабылды"}, status=CampStatus.CLOSED)
    CampFactory(
        title={"ky": "Былтыркы"},
        start_date=today - timedelta(days=300),
        applications_open=today - timedelta(days=340),
        status=CampStatus.CLOSED,
    )
    CampFactory(
        title={"ky": "Өткөн ай"},
        start_date=today - timedelta(days=30),
        applications_open=today - timedelta(days=60),
    )
    # Not yet taking applications: still among the open ones, with the day they open.
    CampFactory(
        title={"ky": "Жакында ачылат"},
        start_date=today + timedelta(days=60),
        applications_open=today + timedelta(days=5),
    )


def test_open_camps_come_first_then_closed_then_past(client, db):
    camps_of_every_phase()
    page = client.get("/camps?lang=ky").text
    assert titles_by_section(page) == {
        "camps-open": ["Жакынкы", "Кийинки", "Жакында ачылат"],
        "camps-applications_closed": ["Кабыл алуу бүттү", "Жабылды"],
        "camps-past": ["Өткөн ай", "Былтыркы"],
    }
    assert translated("Past camps", "ky") in page
    assert translated("Open for applications", "ky") in page


def test_every_camp_not_taking_applications_says_so(client, db):
    camps_of_every_phase()
    page = client.get("/camps?lang=ru").text
    closed = translated("Applications closed", "ru")
    sections = dict(
        re.findall(r'<section aria-labelledby="(camps-[a-z_]+)">(.*?)</section>', page, re.S)
    )
    cards = {
        name: re.findall(r"<li class=\"card[^\"]*\">(.*?)</li>", body, re.S)
        for name, body in sections.items()
    }
    assert all(closed in card for card in cards["camps-applications_closed"] + cards["camps-past"])
    assert not any(closed in card for card in cards["camps-open"])
    soon = local_today() + timedelta(days=5)
    assert any(
        translated("Applications open on %(date)s", "ru", date=soon.strftime("%d.%m.%Y")) in card
        for card in cards["camps-open"]
    )


def test_the_camp_page_of_a_closed_camp_says_applications_are_closed(client, db):
    today = local_today()
    closed = CampFactory(applications_close=today - timedelta(days=1))
    open_camp = CampFactory()
    text = translated("Applications closed", "ru")
    assert text in client.get(f"/camps/{closed.id}?lang=ru").text
    assert text not in client.get(f"/camps/{open_camp.id}?lang=ru").text


def test_the_order_holds_across_pages(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 3)
    camps_of_every_phase()
    first = titles_by_section(client.get("/camps?lang=ky").text)
    second = titles_by_section(client.get("/camps?lang=ky&page=2").text)
    third = titles_by_section(client.get("/camps?lang=ky&page=3").text)
    assert first == {"camps-open": ["Жакынкы", "Кийинки", "Жакында ачылат"]}
    assert second == {
        "camps-applications_closed": ["Кабыл алуу бүттү", "Жабылды"],
        "camps-past": ["Өткөн ай"],
    }
    assert third == {"camps-past": ["Былтыркы"]}


def test_each_camp_card_is_one_link(client, db):
    camp = CampFactory()
    page = client.get("/camps").text
    card = re.search(r'<li class="card card-link">(.*?)</li>', page, re.S).group(1)
    assert re.findall(r"<a href=\"([^\"]+)\"", card) == [f"/camps/{camp.id}"]
