"""`make screens` (bench/screens.py): its page list names pages that exist for their roles,
and the committed gallery shows every one of them."""

import re

from bench import screens
from portal.demo import DEMO_PASSWORD
from portal.demo import seed


def test_every_page_of_the_screenshots_answers_200_for_its_role(client, db):
    seed()
    db.session.commit()
    pages = screens.shots()
    assert {shot.role for shot in pages} == set(screens.ROLES)
    assert len({shot.filename("ky", 360) for shot in pages}) == len(pages)  # no name twice
    for role, email in screens.ROLES.items():
        if email:
            response = client.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD})
            assert response.status_code == 302, email
        for shot in (shot for shot in pages if shot.role == role):
            for lang in screens.LANGUAGES.values():
                response = client.get(shot.url(lang))
                assert response.status_code == 200, f"{role}: {shot.url(lang)}"
        if email:
            client.post("/auth/logout")
    committed = {path.name for path in screens.OUT.glob("*.png")}
    expected = {
        shot.filename(lang, width)
        for shot in pages
        for lang in screens.LANGUAGES
        for width in screens.VIEWPORTS
    }
    assert expected <= committed, f"run `make screens`: missing {sorted(expected - committed)}"


def test_file_names_say_role_page_language_and_width():
    shot = screens.Shot("youth", "home", "/")
    assert shot.filename("ky", 360) == "youth-home-ky-360.png"
    assert shot.url("uz") == "/?lang=uz"
    assert screens.Shot("x", "y", "/camps?page=2").url("ru") == "/camps?page=2&lang=ru"


def test_the_gallery_shows_only_screenshots_that_are_there():
    for page, prefix in (("README.md", ""), ("readme-snippet.md", "docs/screens/")):
        text = (screens.OUT / page).read_text(encoding="utf-8")
        names = re.findall(r'<img src="([^"]+)"', text)
        assert names, page
        for name in names:
            assert (screens.OUT / name.removeprefix(prefix)).is_file(), f"{page}: {name}"
