"""`make screens`: screenshots of each role's main pages in Kyrgyz, Russian and Uzbek, on a phone
(360×740) and a desktop (1280×800), written to docs/screens/ as `<role>-<page>-<lang>-<width>.png`.

It migrates and seeds a throwaway SQLite demo database, serves it with gunicorn and the
production configuration (as lighthouse/run.py does), signs in through the login form as each
demo role in Debian's Chromium (Playwright, never `playwright install`) and saves the first
screen of every page (the viewport, not the whole page), reduced to a 64-colour PNG with Pillow.

`shots()` is the page list; tests/test_screens.py checks that every address in it answers 200
for its role, so the list cannot rot silently when routes change.
"""

import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.servers import free_port  # noqa: E402
from bench.servers import seeded_demo  # noqa: E402
from bench.servers import serve_demo  # noqa: E402
from bench.servers import stop_demo  # noqa: E402

OUT = ROOT / "docs" / "screens"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
DEMO_PASSWORD = "demo-password-2026"  # nosec B105 - the published demo password
#: Who signs in for each role (None: nobody, an anonymous visitor).
ROLES = {
    "youth": "youth@demo.example.org",
    "organiser": "organiser@demo.example.org",
    "mentor": "mentor@demo.example.org",
    "admin": "admin@demo.example.org",
    "anonymous": None,
}
#: The name in the file → the `?lang=` value (uz is Uzbek in Cyrillic).
LANGUAGES = {"ky": "ky", "ru": "ru", "uz": "uz"}
#: The width in the file → the viewport.
VIEWPORTS = {360: {"width": 360, "height": 740}, 1280: {"width": 1280, "height": 800}}
#: Colours kept in each PNG: the portal's palette is small, and text stays sharp.
COLOURS = 64


@dataclass(frozen=True)
class Shot:
    role: str
    page: str
    path: str
    title: str = ""

    def url(self, lang: str) -> str:
        return f"{self.path}{'&' if '?' in self.path else '?'}lang={lang}"

    def filename(self, lang: str, width: int) -> str:
        return f"{self.role}-{self.page}-{lang}-{width}.png"


def shots() -> list[Shot]:
    """Every page to photograph, by role, with the ids of the demo data (needs an app context
    on a database seeded by `flask seed-demo`)."""
    import sqlalchemy as sa

    from portal.accounts.models import User
    from portal.camps.models import Application
    from portal.camps.models import ApplicationStatus as S
    from portal.extensions import db
    from portal.groups.models import ActionPlan
    from portal.groups.models import GroupMentor
    from portal.groups.models import PlanStatus

    def user_id(email: str) -> int:
        return db.session.scalars(sa.select(User.id).where(User.email == email)).one()

    draft = db.session.scalars(
        sa.select(Application.id)
        .where(Application.user_id == user_id(ROLES["youth"]), Application.status == S.DRAFT)
        .order_by(Application.id)
    ).first()
    # The camp with the most applications waiting for a decision, and the one with the most
    # people to check in.
    busiest = db.session.scalars(
        sa.select(Application.camp_id)
        .where(Application.status == S.SUBMITTED)
        .group_by(Application.camp_id)
        .order_by(sa.func.count().desc(), Application.camp_id)
    ).first()
    checkin = db.session.scalars(
        sa.select(Application.camp_id)
        .where(Application.status.in_((S.CONFIRMED, S.ATTENDED, S.NO_SHOW)))
        .group_by(Application.camp_id)
        .order_by(sa.func.count().desc(), Application.camp_id)
    ).first()
    to_review = db.session.scalars(
        sa.select(ActionPlan.id)
        .join(GroupMentor, GroupMentor.group_id == ActionPlan.group_id)
        .where(
            GroupMentor.mentor_id == user_id(ROLES["mentor"]),
            ActionPlan.status == PlanStatus.SUBMITTED,
        )
        .order_by(ActionPlan.id)
    ).first()
    return [
        Shot("youth", "home", "/", "home"),
        Shot("youth", "camps", "/camps", "camps to apply to"),
        Shot("youth", "application", f"/applications/{draft}", "an application form (draft)"),
        Shot("youth", "training", "/training", "my training"),
        Shot("organiser", "home", "/", "home"),
        Shot(
            "organiser",
            "applications",
            f"/manage/camps/{busiest}/applications",
            "a camp's applications",
        ),
        Shot("organiser", "balance", f"/manage/camps/{busiest}/balance", "cohort balance"),
        Shot("organiser", "checkin", f"/manage/camps/{checkin}/checkin", "check-in sheet"),
        Shot("mentor", "home", "/", "home"),
        Shot("mentor", "queue", "/mentor/queue", "plans to review"),
        Shot("mentor", "review", f"/plans/{to_review}/review", "a review form"),
        Shot("admin", "home", "/", "home"),
        Shot("admin", "people", "/admin/users", "people"),
        Shot("anonymous", "home", "/", "home page"),
        Shot("anonymous", "camps", "/camps", "camps"),
    ]


def squeeze(png: bytes) -> bytes:
    """The screenshot as a PNG of at most COLOURS colours, as small as Pillow makes it."""
    from PIL import Image

    with Image.open(BytesIO(png)) as image:
        reduced = image.convert("RGB").quantize(COLOURS, dither=Image.Dither.NONE)
    out = BytesIO()
    reduced.save(out, format="PNG", optimize=True)
    return out.getvalue()


def photograph(browser, base: str, pages: list[Shot]) -> list[Path]:
    """Sign in as each role once and save every page in every language and width."""
    saved = []
    for role, email in ROLES.items():
        context = browser.new_context(viewport=VIEWPORTS[360], base_url=base, locale="ky-KG")
        context.set_default_timeout(15_000)
        page = context.new_page()
        if email:
            page.goto("/auth/login")
            page.fill("#email", email)
            page.fill("#password", DEMO_PASSWORD)
            with page.expect_navigation():
                page.click("main button[type=submit]")
            if page.url.rstrip("/").endswith("/auth/login"):
                raise SystemExit(f"Signing in as {email} failed.")
        for width, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            for shot in (shot for shot in pages if shot.role == role):
                for name, lang in LANGUAGES.items():
                    url = shot.url(lang)
                    response = page.goto(url)
                    if response is None or response.status != 200 or page.url != base + url:
                        status = response.status if response else "no answer"
                        raise SystemExit(f"{role}: {url} answered {status} at {page.url}")
                    page.wait_for_load_state("load")
                    path = OUT / shot.filename(name, width)
                    path.write_bytes(squeeze(page.screenshot(type="png")))
                    saved.append(path)
        context.close()
    return saved


#: How the gallery names each role.
ROLE_TITLES = {
    "youth": "Young person (youth@, 16, Kyrgyz)",
    "organiser": "Organiser (organiser@)",
    "mentor": "Mentor (mentor@)",
    "admin": "Admin (admin@)",
    "anonymous": "Visitor (not signed in)",
}
LANGUAGE_TITLES = {"ky": "Кыргызча", "ru": "Русский", "uz": "Ўзбекча"}


def image(shot: Shot, lang: str, width: int, *, folder: str = "", shown: int = 180) -> str:
    name = shot.filename(lang, width)
    alt = f"{ROLE_TITLES[shot.role].split(' (')[0]}: {shot.title}, {LANGUAGE_TITLES[lang]}, {width} px"
    return f'<img src="{folder}{name}" width="{shown}" alt="{alt}">'


def gallery(pages: list[Shot]) -> str:
    """docs/screens/README.md: every screenshot, a section per role."""
    lines = [
        "# Screenshots",
        "",
        "Each role's main pages in Kyrgyz, Russian and Uzbek, the first screen of a phone "
        "(360×740) and of a desktop (1280×800), on the demo data. Made by `make screens` "
        "(`bench/screens.py`); do not edit by hand.",
        "",
    ]
    for role in ROLES:
        mine = [shot for shot in pages if shot.role == role]
        lines += [f"## {ROLE_TITLES[role]}", ""]
        for width, shown in ((360, 180), (1280, 320)):
            lines.append(f"| {width} px | " + " | ".join(LANGUAGE_TITLES.values()) + " |")
            lines.append("|---|" + "---|" * len(LANGUAGES))
            for shot in mine:
                cells = [image(shot, lang, width, shown=shown) for lang in LANGUAGES]
                lines.append(f"| {shot.title} | " + " | ".join(cells) + " |")
            lines.append("")
    return "\n".join(lines)


def readme_snippet(pages: list[Shot]) -> str:
    """The main README's table: each role's home on a phone in the three languages and on a
    desktop in Kyrgyz, linked to the gallery."""
    homes = [shot for shot in pages if shot.page == "home"]
    lines = [
        "| | "
        + " | ".join(f"{title}, 360 px" for title in LANGUAGE_TITLES.values())
        + " | 1280 px |",
        "|---|" + "---|" * (len(LANGUAGES) + 1),
    ]
    for shot in homes:
        cells = [image(shot, lang, 360, folder="docs/screens/", shown=150) for lang in LANGUAGES]
        cells.append(image(shot, "ky", 1280, folder="docs/screens/", shown=300))
        role = ROLE_TITLES[shot.role].split(" (")[0]
        lines.append(f"| {role} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    from playwright.sync_api import sync_playwright

    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        raise SystemExit(f"Chromium not found at {CHROMIUM} (apt-get install chromium).")
    folder = Path(tempfile.mkdtemp(prefix="jashtar-screens-"))
    server = None
    started = time.monotonic()
    try:
        with seeded_demo(folder) as database_url:
            pages = shots()
        port = free_port()
        server = serve_demo(folder, database_url, port)
        OUT.mkdir(parents=True, exist_ok=True)
        for old in OUT.glob("*.png"):
            old.unlink()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            try:
                saved = photograph(browser, f"http://127.0.0.1:{port}", pages)
            finally:
                browser.close()
    finally:
        if server is not None:
            stop_demo(server)
        shutil.rmtree(folder, ignore_errors=True)
    (OUT / "README.md").write_text(gallery(pages) + "\n", encoding="utf-8")
    (OUT / "readme-snippet.md").write_text(readme_snippet(pages) + "\n", encoding="utf-8")
    total = sum(path.stat().st_size for path in saved)
    print(
        f"{len(saved)} screenshots in {OUT.relative_to(ROOT)}/, {total / 1_000_000:.2f} MB "
        f"in all, {time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
