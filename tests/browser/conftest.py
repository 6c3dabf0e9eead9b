"""A live server on a demo database, and Playwright driving Debian's Chromium."""

import os
import shutil
import threading

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from portal import create_app
from portal.demo import seed
from portal.extensions import db

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


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_database_uri(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('live') / 'portal.db'}"


@pytest.fixture(scope="session")
def live_server(live_database_uri):
    """The portal with the demo data, served on a free local port."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=live_database_uri)
    with app.app_context():
        upgrade()
    with app.test_request_context(method="POST"):
        seed()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


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


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="ky-KG")
    page = context.new_page()
    yield page
    context.close()
