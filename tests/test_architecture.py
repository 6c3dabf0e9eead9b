"""The house's rules, kept by construction: each one a test that fails when code breaks it."""

import ast
import re
from pathlib import Path

import pytest

from portal.accounts.services import AccountError
from portal.camps.services import CampError
from portal.errors import PortalError
from portal.extensions import db as _db
from portal.groups.services import GroupError
from portal.training.services import TrainingError

PORTAL = Path(__file__).resolve().parent.parent / "portal"
UPPER_DOMAINS = ("portal.camps", "portal.groups", "portal.training")
#: Wiring that knows every domain on purpose: the app factory, the CLI and the demo seeder.
WIRING = {"__init__.py", "cli.py", "demo.py"}


def sources(pattern="**/*.py"):
    return {path.relative_to(PORTAL).as_posix(): path.read_text() for path in PORTAL.glob(pattern)}


def view_modules():
    """Every module that defines a blueprint or hangs views on one, i.e. holds views."""
    return {
        name: text
        for name, text in sources().items()
        if "Blueprint(" in text or re.search(r"^@bp\.(route|get|post)\(", text, re.MULTILINE)
    }


def test_views_never_commit_or_roll_back():
    """The request's one commit happens in portal/transactions.py, after the view returns."""
    offenders = [
        name
        for name, text in view_modules().items()
        if re.search(r"db\.session\.(commit|rollback)\(", text)
    ]
    # The health check's probe of the database rolls itself back in portal/database.py.
    assert offenders == []


def test_every_domain_error_is_a_portal_error():
    for error in (AccountError, CampError, GroupError, TrainingError):
        assert issubclass(error, PortalError)


def test_views_do_not_check_csrf_a_second_time():
    """CSRFProtect checks every POST before the view; an empty form's validate is redundant."""
    offenders = [name for name, text in view_modules().items() if "ActionForm().validate" in text]
    assert offenders == []


def test_every_view_is_wrapped_in_the_one_transaction(app):
    unwrapped = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not getattr(view, "transactional", False)
    ]
    assert unwrapped == []


def test_the_transaction_commits_after_the_view_and_never_after_an_error(db, monkeypatch):
    from portal import transactions

    commits = []
    monkeypatch.setattr(transactions, "commit", lambda: commits.append(1))

    assert transactions.transactional(lambda: "page")() == "page"
    assert commits == [1]

    def refused():
        raise CampError("Not now.")

    with pytest.raises(CampError):
        transactions.transactional(refused)()
    assert commits == [1]


def test_an_uncaught_rule_error_rolls_back_and_shows_its_message_where_the_person_was(
    app, db, monkeypatch
):
    from flask import get_flashed_messages

    from portal.errors import handle_portal_error

    rolled_back = []
    monkeypatch.setattr(_db.session, "rollback", lambda: rolled_back.append(1))
    with app.test_request_context(
        "/manage/camps/1/status",
        method="POST",
        headers={"Referer": "http://localhost/manage/camps/1"},
    ):
        response = handle_portal_error(CampError("The camp is full."))
        assert get_flashed_messages(with_categories=True) == [("error", "The camp is full.")]
    assert (response.status_code, response.headers["Location"]) == (303, "/manage/camps/1")
    assert rolled_back == [1]
    with app.test_request_context(
        "/x", method="POST", headers={"Referer": "https://evil.example/"}
    ):
        assert handle_portal_error(CampError("No.")).headers["Location"] == "/"


def imported_modules(path: Path) -> set[str]:
    """Every module the file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


BOTTOM = sorted(
    [*(PORTAL / "accounts").glob("*.py"), *(p for p in PORTAL.glob("*.py") if p.name not in WIRING)]
)


@pytest.mark.parametrize("path", BOTTOM, ids=lambda p: str(p.relative_to(PORTAL)))
def test_accounts_and_the_core_know_no_upper_domain(path):
    """Accounts and the core reach the other domains only through portal.signals."""
    upward = {
        name
        for name in imported_modules(path)
        if any(name == domain or name.startswith(domain + ".") for domain in UPPER_DOMAINS)
    }
    assert upward == set()


def test_the_check_sees_an_upward_import(tmp_path):
    source = tmp_path / "example.py"
    source.write_text("def f():\n    from portal.groups import services\n    import portal.camps\n")
    assert {"portal.groups", "portal.camps"} <= imported_modules(source)


@pytest.mark.parametrize(
    "path",
    sorted(p for p in PORTAL.rglob("*.py") if "admin" not in p.parts and p.name not in WIRING),
    ids=lambda p: str(p.relative_to(PORTAL)),
)
def test_no_domain_imports_the_admin_pages(path):
    """What several domains share lives in the core (portal/forms.py, portal/spreadsheets.py,
    portal/ages.py, accounts/labels.py), not in whichever domain wrote it first."""
    assert not any(name.startswith("portal.admin") for name in imported_modules(path))


def test_shared_pieces_have_one_home():
    texts = sources()
    for definition, home in [
        ("class FilterForm(", "forms.py"),
        ("class MultiCheckboxField(", "forms.py"),
        ("class Table:", "spreadsheets.py"),
        ("def send_table(", "spreadsheets.py"),
        ("GENDER_LABELS = {", "accounts/labels.py"),
        ("AGE_BANDS = (", "ages.py"),
        ("def years_before(", "ages.py"),
        ("def validate_district_in_region(", "forms.py"),
        ("MIN_ETHNICITY_CELL = ", "reports/safe.py"),
        ("MIN_CELL = ", "reports/safe.py"),
    ]:
        homes = [name for name, text in texts.items() if definition in text]
        assert homes == [home], (definition, homes)


def test_each_domain_has_one_organiser_blueprint(app):
    """The organisers' tools of a domain hang on one blueprint under /manage."""
    prefixes = {}
    for name, blueprint in app.blueprints.items():
        if blueprint.url_prefix != "/manage":
            continue
        prefixes.setdefault((blueprint.import_name.split(".")[1], blueprint.url_prefix), []).append(
            name
        )
    assert {key: names for key, names in prefixes.items() if len(names) > 1} == {}


def test_view_modules_are_found_in_packages_too():
    assert {"camps/manage/cohort.py", "camps/manage/applications.py"} <= set(view_modules())


#: What a view must not do itself: query (the domain's queries.py does) or parse raw input
#: (forms do).
RAW_IN_VIEWS = re.compile(
    r"sa\.select\(|db\.select\(|db\.session\.(scalars|scalar|execute|add)\(|request\.form"
)


def test_views_neither_query_nor_parse_the_raw_form():
    offenders = {
        name: sorted({match[0] for match in RAW_IN_VIEWS.finditer(text)})
        for name, text in view_modules().items()
        if RAW_IN_VIEWS.search(text)
    }
    assert offenders == {}


def test_the_raw_input_check_sees_a_query_and_a_form_read():
    text = 'rows = db.session.execute(sa.select(User))\nvalue = request.form.get("x")\n'
    assert [match[0] for match in RAW_IN_VIEWS.finditer(text)] == [
        "db.session.execute(",
        "sa.select(",
        "request.form",
    ]
