"""The browser harness: a live portal on a demo database, Debian's Chromium, and journeys.

A journey is one test of a whole task. It has visitors (people, each in a browser context of
their own) and steps. After every page a visitor lands on, the page is checked: axe-core finds no
violation of any impact, the HTML, CSS and JS it needs weigh under 60 KB, no request left
127.0.0.1, and the page is no wider than the window (nothing scrolls sideways but a table's
box), and every link, button and disclosure of the header, the menus and the footer (and every
.button) is at least 44 x 44 px. A failing step saves a screenshot and the HTML of every
visitor's page under tests/browser/artifacts/ and says which step failed.
"""

import html
import os
import re
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask_migrate import upgrade
from playwright.sync_api import Error
from playwright.sync_api import expect
from werkzeug.serving import make_server

from portal import create_app
from portal.demo import seed
from portal.extensions import db
from portal.extensions import limiter
from tests.helpers import translated

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
#: HTML + CSS + JS of one page, uncompressed (DESIGN §9).
PAGE_WEIGHT_LIMIT = 60 * 1024
LOCAL_HOSTS = {"127.0.0.1"}
#: Presses of Tab allowed to reach the next control before the keyboard visitor gives up.
MAX_TABS = 120
#: The smallest tap target, in CSS pixels (WCAG 2.5.5; Apple's and Google's guidelines).
MIN_TARGET = 44


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


# --- the portal -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The portal with the demo data on a SQLite file."""
    folder = tmp_path_factory.mktemp("live")
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'portal.db'}",
        UPLOADS_DIR=str(folder / "uploads"),
    )
    with app.app_context():
        upgrade()
    with app.test_request_context(method="POST"):
        seed()
        db.session.commit()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    """The live app served on a free local port; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def live_data(live_app):
    """`with live_data():` runs factories, services and queries on the live server's database.

    The block runs in a request of its own (so services can build links) and is committed.
    """

    @contextmanager
    def request_on_live_database():
        with live_app.test_request_context():
            yield db.session
            db.session.commit()

    return request_on_live_database


@pytest.fixture(scope="session")
def text(live_app):
    """The catalogue's text for a msgid in a locale, as the person reads it on the page."""

    def translate(msgid: str, locale: str, **variables) -> str:
        with live_app.test_request_context():
            return html.unescape(translated(msgid, locale, **variables))

    return translate


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("JASHTAR_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run installs it from Debian")
        pytest.skip("SKIPPED browser tests: Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def journey(request, browser, live_server, axe):
    """A journey for this test; its visitors' browser contexts are closed afterwards."""
    limiter.reset()  # sign-in limits count per address: journeys must not depend on each other
    trip = Journey(request.node.name, browser, live_server, axe)
    yield trip
    trip.close()


class Journey:
    """One whole task: its visitors and its named steps."""

    def __init__(self, name, browser, base_url, axe):
        self.name = _slug(name)
        self.browser = browser
        self.base_url = base_url
        self.axe = axe
        self.visitors: list[Visitor] = []
        self.step_number = 0
        #: Size of each CSS or JS file by address, shared by the visitors.
        self.asset_sizes: dict[str, int] = {}

    def visitor(
        self,
        label,
        *,
        viewport=PHONE,
        locale="ky-KG",
        javascript=True,
        keyboard=False,
        touch=False,
    ):
        """A person in a browser context of their own (a phone unless told otherwise); `touch`
        taps a touch screen instead of clicking."""
        context = self.browser.new_context(
            viewport=viewport,
            locale=locale,
            base_url=self.base_url,
            java_script_enabled=javascript,
            has_touch=touch,
            is_mobile=touch,
        )
        context.set_default_timeout(10_000)
        kind = KeyboardVisitor if keyboard else Visitor
        person = kind(self, label, context, javascript=javascript, touch=touch)
        self.visitors.append(person)
        return person

    @contextmanager
    def step(self, name):
        """A named step; on failure, save what every visitor sees and name the step."""
        self.step_number += 1
        label = f"{self.step_number:02d}-{name}"
        try:
            yield
        except Exception as error:
            saved = self.save_artifacts(label)
            raise AssertionError(
                f"step {self.step_number} ({name}) failed: {error}\n"
                f"screenshots and HTML: {', '.join(saved) or 'none saved'}"
            ) from error

    def save_artifacts(self, label) -> list[str]:
        ARTIFACTS.mkdir(exist_ok=True)
        stem = f"{self.name}-{_slug(label)}"
        saved = []
        for person in self.visitors:
            base = ARTIFACTS / f"{stem}-{person.label}"
            try:
                person.page.screenshot(path=f"{base}.png", full_page=True)
                Path(f"{base}.html").write_text(person.page.content(), encoding="utf-8")
            except Error:  # a closed page has nothing more to show
                continue
            saved.append(str(base.relative_to(ARTIFACTS.parent.parent.parent)) + ".png/.html")
        return saved

    def close(self):
        for person in self.visitors:
            person.page.context.close()


class Visitor:
    """One person using the portal with a pointer (or a finger); every new page is checked."""

    def __init__(self, journey, label, context, *, javascript, touch=False):
        self.journey = journey
        self.label = label
        self.javascript = javascript
        self.touch = touch
        self.page = context.new_page()
        self.requested: list[str] = []
        self.document = None
        self.responses = {}
        self.page.on("request", lambda request: self.requested.append(request.url))
        self.page.on("response", self._keep)

    def _keep(self, response):
        kind = response.request.resource_type
        if kind == "document" and response.frame == self.page.main_frame:
            self.document = response
        elif kind in ("stylesheet", "script"):
            self.responses[response.url] = response

    def locate(self, target):
        return self.page.locator(target) if isinstance(target, str) else target

    @property
    def main(self):
        return self.page.locator("main")

    # --- moving between pages (each new page is checked) ---

    def open(self, path, *, status=200):
        """Go to an address, as from a bookmark or a link in a message."""
        self.page.goto(path)
        self.check_page(status)

    def follow(self, target, *, status=200):
        """Activate a link or a button that loads another page."""
        with self.page.expect_navigation():
            self.press(target)
        self.check_page(status)

    def follow_menu(self, path, *, status=200):
        """Open the header's menu (folded on a phone) and follow its link to `path`."""
        self.open_menu()
        link = f"nav.main-nav a[href='{path}']"
        self.open_list_of(f"a[href='{path}']")
        if path == "/notifications" and not self.page.locator(link).is_visible():
            link = "header a.bell"  # a wide screen: the bell beside the language picker
        self.follow(link, status=status)

    def press(self, target):
        """Click, or tap on a touch screen, what does not load a page by itself."""
        element = self.locate(target)
        if self.touch:
            element.tap()
        else:
            element.click()

    # --- the header's disclosures (a <details>: they open without JavaScript) ---

    def open_menu(self):
        """Open the menu when it is folded behind its "Menu" button (a phone's screen)."""
        self._open("header details.menu")

    def open_languages(self):
        self._open("header details.languages")

    def open_list_of(self, target):
        """Open the "Manage" or "Account" list holding `target`, when it is folded in one (a
        wide screen; a phone's open menu lists them flat)."""
        for name in ("manage", "account"):
            if self.page.locator(f"header details.sub.{name}").locator(target).count():
                self._open(f"header details.sub.{name}")

    def _open(self, selector):
        details = self.page.locator(selector)
        summary = details.locator("> summary")
        if details.evaluate("el => el.open") or not summary.is_visible():
            return  # open already, or shown inline on a wide screen
        self._press_summary(summary)
        expect(details).to_have_attribute("open", "")

    def _press_summary(self, summary):
        self.press(summary)

    # --- filling in forms ---

    def fill(self, target, value: str):
        self.locate(target).fill(value)

    def tick(self, target):
        """Tick a checkbox or choose a radio button."""
        self.locate(target).check()

    def choose(self, target, value: str):
        """Pick an option of a drop-down list by its value."""
        self.locate(target).select_option(value)

    def attach(self, target, files):
        self.locate(target).set_input_files(files)

    # --- common errands ---

    def sign_in(self, email, password):
        self.open("/auth/login")
        self.fill("#email", email)
        self.fill("#password", password)
        self.follow("main button[type=submit]")

    def sign_out(self):
        self.open_menu()
        self.open_list_of("form[action$='/auth/logout']")
        self.follow("header form[action$='/auth/logout'] button[type=submit]")

    def download(self, target):
        """Fetch what a link points to with this person's cookies (a PDF, a scan)."""
        href = self.locate(target).get_attribute("href")
        response = self.page.request.get(href)
        assert response.ok, f"{href} answered {response.status}"
        return response

    # --- the checks on every page ---

    def check_page(self, status=200):
        self.page.wait_for_load_state("load")
        where = urlsplit(self.page.url).path
        answered = self.document.status if self.document else None
        assert answered == status, f"{where} answered {answered}, not {status}"
        outside = [url for url in self.requested if not _is_local(url)]
        self.requested.clear()
        assert not outside, f"{where} sent requests away from 127.0.0.1: {outside}"
        weight, parts = self._weight()
        assert weight < PAGE_WEIGHT_LIMIT, (
            f"{where} weighs {weight} bytes of HTML, CSS and JS, over {PAGE_WEIGHT_LIMIT}: {parts}"
        )
        overflow = self.overflow()
        assert not overflow, f"{where} is wider than the screen: {overflow}"
        small = self.small_targets()
        assert not small, f"{where} has tap targets under {MIN_TARGET} px: {small}"
        if self.javascript:  # axe-core needs JavaScript; the same pages are checked with it on
            found = self.journey.axe.run(self.page).response["violations"]
            assert not found, f"axe-core on {where}: " + "; ".join(
                f"{item['id']} ({item['impact']}) {item['help']}: "
                f"{[node['target'] for node in item['nodes']][:5]}"
                for item in found
            )

    def small_targets(self) -> list[str]:
        """The header's, menus', footer's and .button controls smaller than MIN_TARGET, with the
        header's disclosures closed and then open (the page is left as it was)."""
        return self.page.evaluate(TARGETS_CHECK, MIN_TARGET)

    def title_problem(self) -> str | None:
        """None when the page's h1 is whole in the first screen (the menus closed)."""
        return self.page.evaluate(TITLE_CHECK)

    def overflow(self) -> str | None:
        """None when the page fits the window's width, else its width and what sticks out."""
        found = self.page.evaluate(OVERFLOW_CHECK)
        if found is None:
            return None
        return f"{found['width']} px in a {found['window']} px window; widest: {found['widest']}"

    def _weight(self) -> tuple[int, dict[str, int]]:
        parts = {"html": len(self.document.body()) if self.document else 0}
        addresses = self.page.eval_on_selector_all(
            "link[rel~=stylesheet][href], script[src]", "els => els.map(e => e.href || e.src)"
        )
        for address in addresses:
            parts[urlsplit(address).path] = self._asset_size(address)
        return sum(parts.values()), parts

    def _asset_size(self, address) -> int:
        sizes = self.journey.asset_sizes
        if address not in sizes:
            try:
                body = self.responses[address].body()
            except (KeyError, Error):  # came from the cache, or the browser let the body go
                body = self.page.request.get(address).body()
            sizes[address] = len(body)
        return sizes[address]


class KeyboardVisitor(Visitor):
    """A person with a keyboard and no pointer: Tab, Space, Enter, the arrow keys and typing.

    The first Tab on a new page reaches the "skip to main content" link; every Tab stop must
    show where the focus is, be on screen and come after the previous stop in the page's order.
    """

    date_order = None
    #: Whether no key was pressed yet on this page (so the next Tab is the first).
    fresh_page = False

    def check_page(self, status=200):
        super().check_page(status)
        self.fresh_page = "#" not in self.page.url  # a #fragment moves where Tab starts

    def follow(self, target, *, status=200):
        self.reach(target)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        self.check_page(status)

    def fill(self, target, value: str):
        field = self.reach(target)
        if field.get_attribute("type") == "date":
            self.page.keyboard.type(self._date_keys(value))
        else:
            self.page.keyboard.press("Control+A")
            self.page.keyboard.type(value)
        assert field.input_value() == value, (
            f"typed {value!r}, the field shows {field.input_value()!r}"
        )

    def tick(self, target):
        box = self.locate(target)
        if box.get_attribute("type") == "radio":
            self._choose_radio(box)
        else:
            self.reach(box)
            self.page.keyboard.press("Space")
        assert box.is_checked(), f"{target} is not ticked"

    def choose(self, target, value: str):
        field = self.reach(target)
        for key in ("ArrowDown", "ArrowUp"):
            previous = None
            while field.input_value() not in (value, previous):
                previous = field.input_value()
                self.page.keyboard.press(key)
            if field.input_value() == value:
                return
        raise AssertionError(f"the arrow keys never reach {value!r} in {target}")

    def attach(self, target, files):
        raise NotImplementedError("choosing a file opens the system's dialog")

    def _press_summary(self, summary):
        self.reach(summary)
        self.page.keyboard.press("Enter")

    def reach(self, target, *, group=None):
        """Press Tab until the target (or, for radio buttons, its group) has the focus.

        Each stop on the way must show the focus, be on screen and follow the previous stop.
        """
        target = self.locate(target)
        goal = {"target": target.element_handle(), "group": group}
        stops = []
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Tab")
            stop = self.page.evaluate(FOCUS_CHECK, goal)
            stops.append(stop["name"])
            assert not stop["problem"], f"Tab stop {stop['name']} {stop['problem']}"
            assert stop["skipLink"] or not self.fresh_page, (
                f"the first Tab reaches {stop['name']}, not the skip link"
            )
            self.fresh_page = False
            if stop["reached"]:
                return target
        raise AssertionError(f"Tab never reaches {target}; the stops were {stops[:40]}")

    def _choose_radio(self, radio):
        """Tab into the group, move with the arrow keys (which also choose), Space to be sure."""
        name = radio.get_attribute("name")
        self.reach(radio, group=name)
        for _ in range(self.page.locator(f"input[type=radio][name='{name}']").count()):
            if radio.evaluate("el => el === document.activeElement"):
                break
            self.page.keyboard.press("ArrowDown")
        self.page.keyboard.press("Space")

    def _date_keys(self, iso: str) -> str:
        """The digits to type into a date field, in the order the browser shows its parts."""
        if KeyboardVisitor.date_order is None:
            scratch = self.page.context.new_page()
            scratch.set_content('<input type="date" id="d">')
            scratch.focus("#d")
            scratch.keyboard.type("01022003")
            KeyboardVisitor.date_order = {
                "2003-01-02": ("month", "day", "year"),
                "2003-02-01": ("day", "month", "year"),
            }.get(scratch.input_value("#d"), ("year", "month", "day"))
            scratch.close()
        year, month, day = iso.split("-")
        parts = {"year": year, "month": month, "day": day}
        return "".join(parts[part] for part in KeyboardVisitor.date_order)


#: The page's width when it is wider than the window (it scrolls sideways), with the elements
#: that reach furthest past the right edge (inside a scrolling table box, only positioned ones
#: can: the box clips the rest); null when it fits.
OVERFLOW_CHECK = """() => {
  const width = document.documentElement.scrollWidth, inner = window.innerWidth;
  if (width <= inner) return null;
  const name = el => {
    const classes = typeof el.className === "string" && el.className.trim();
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (classes ? "." + classes.split(/\\s+/).join(".") : "") +
      ' "' + (el.innerText || "").trim().slice(0, 30) + '"';
  };
  const out = [...document.body.querySelectorAll("*")]
    .map(el => [el, el.getBoundingClientRect().right])
    .filter(([el, right]) => right > inner &&
      (!el.closest(".table-scroll *") || /absolute|fixed/.test(getComputedStyle(el).position)))
    .sort((a, b) => b[1] - a[1]).slice(0, 3)
    .map(([el, right]) => name(el) + " " + Math.round(right) + "px");
  return {width, window: inner, widest: out.join(", ")};
}"""

#: Visible links, buttons, disclosures and fields of the header, every <nav> and the footer, and
#: every .button, whose box is under the minimum; measured with the header's <details> closed,
#: then open (their content shows only then), then put back as they were.
TARGETS_CHECK = """(minimum) => {
  const small = new Set();
  const controls = "a[href], button, summary, input:not([type=hidden]), select";
  const within = ["header", "nav", "footer"].map(area => controls.split(", ")
    .map(control => area + " " + control).join(", ")).join(", ") + ", .button";
  const measure = () => {
    for (const el of document.querySelectorAll(within)) {
      if (!el.checkVisibility({visibilityProperty: true})) continue;
      const box = el.getBoundingClientRect();
      if (!box.width || !box.height) continue;
      if (box.width < minimum - 0.5 || box.height < minimum - 0.5) {
        const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
        small.add(el.tagName.toLowerCase() + ' "' + text.slice(0, 30) + '" ' +
          Math.round(box.width) + "x" + Math.round(box.height));
      }
    }
  };
  const disclosures = [...document.querySelectorAll("header details")];
  const open = disclosures.map(details => details.open);
  measure();
  disclosures.forEach(details => { details.open = true; });
  measure();
  disclosures.forEach((details, index) => { details.open = open[index]; });
  return [...small];
}"""

#: Whether the page's title (its h1) is whole within the first screen, scrolled to the top with
#: the header's menus closed; null when it is, else where it ends.
TITLE_CHECK = """() => {
  const title = document.querySelector("main h1");
  if (!title) return "the page has no h1 in main";
  const open = [...document.querySelectorAll("header details[open]")];
  open.forEach(details => { details.open = false; });
  const bottom = title.getBoundingClientRect().bottom + window.scrollY;
  open.forEach(details => { details.open = true; });
  return bottom <= window.innerHeight ? null :
    "the h1 ends " + Math.round(bottom) + " px down a " + window.innerHeight + " px screen";
}"""

#: Where the focus is after a Tab, and what is wrong with it (no indicator, off screen, or
#: before the previous stop in the page's order).
FOCUS_CHECK = """({target, group}) => {
  const el = document.activeElement;
  if (!el || el === document.body) return {reached: false, problem: null, name: "the page"};
  const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
  const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.name ? "[name=" + el.name + "]" : "") + (text ? ' "' + text.slice(0, 30) + '"' : "");
  // A date field's calendar button is a stop of its own, inside the browser's shadow tree:
  // the field is then not :focus, and the browser draws its own ring (pages cannot style it).
  const pickerButton = /^(date|time|datetime-local|month|week)$/.test(el.type) &&
    !el.matches(":focus");
  const style = getComputedStyle(el);
  const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadowed = style.boxShadow && style.boxShadow !== "none";
  const box = el.getBoundingClientRect();
  const onScreen = box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0 &&
    box.top < window.innerHeight && box.left < window.innerWidth;
  const previous = window.__jashtarTabStop;
  const backwards = previous && previous.isConnected && previous !== el &&
    !(previous.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
  window.__jashtarTabStop = el;
  let problem = null;
  if (!outlined && !shadowed && !pickerButton) problem = "shows no focus indicator";
  else if (!onScreen) problem = "is off screen";
  else if (backwards) problem = "comes before the previous stop";
  const inGroup = group && el.type === "radio" && el.name === group;
  const skipLink = el.matches("a.skip-link[href='#main']");
  return {reached: el === target || Boolean(inGroup), problem, name, skipLink};
}"""


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text).strip("-")


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in LOCAL_HOSTS
