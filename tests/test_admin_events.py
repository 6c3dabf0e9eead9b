"""The audit log in words (issue 17): every event type has a label, objects have a kind and a
name or number with a link, details are translated, and the filter offers every event type."""

import ast
import re
from pathlib import Path

from portal.main.events import EVENT_AREAS
from portal.main.events import EVENT_LABELS
from portal.camps.models import CampStatus
from tests import factories
from tests.helpers import translated

PORTAL = Path(__file__).resolve().parent.parent / "portal"
#: Event types built at run time (an f-string) → every value they can take.
BUILT = {"camp.{status.value}": [f"camp.{status.value}" for status in CampStatus]}


def _event_types(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _event_types(node.body) + _event_types(node.orelse)
    if isinstance(node, ast.JoinedStr):
        return BUILT[ast.unparse(node)[2:-1]]
    raise AssertionError(f"an event type the test cannot read: {ast.unparse(node)}")


def event_types_in_code() -> set[str]:
    found = set()
    for path in PORTAL.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "audit_event"
            ):
                found.update(_event_types(node.args[0]))
    return found


def test_every_event_type_written_in_the_code_has_a_label_and_an_area():
    used = event_types_in_code()
    assert len(used) > 60
    assert sorted(used - EVENT_LABELS.keys()) == []
    assert all(action.split(".")[0] in EVENT_AREAS for action in EVENT_LABELS)


def test_the_filter_offers_every_event_type_translated(client, login_as):
    login_as("admin")
    page = client.get("/admin/audit?lang=ru").text
    offered = set(re.findall(r'<option[^>]*value="([a-z_]+\.[a-z_]+)"', page))
    assert offered == set(EVENT_LABELS)
    assert f">{translated('Action plan sent for review', 'ru')}</option>" in page
    assert "<optgroup" in page
    # Choosing a type from the list filters by it.
    assert client.get("/admin/audit?action=plan.submitted").status_code == 200


def test_the_log_names_events_objects_and_details_in_the_readers_language(client, login_as):
    admin = login_as("admin")
    plan = factories.ActionPlanFactory(title="Safe roads to school")
    camp = factories.CampFactory()
    application = factories.ApplicationFactory(camp=camp)
    factories.AuditEventFactory(
        action="plan.reviewed", object_type="action_plan", object_id=plan.id,
        actor_id=admin.id, details={"decision": "approve"},
    )  # fmt: skip
    factories.AuditEventFactory(
        action="application.decided", object_type="application", object_id=application.id,
        details={"decision": "waitlisted"},
    )  # fmt: skip
    factories.AuditEventFactory(
        action="user.roles_changed", object_type="user", object_id=admin.id,
        details={"before": ["youth"], "after": ["admin", "mentor"]},
    )  # fmt: skip
    factories.AuditEventFactory(
        action="enrolment.date_changed", object_type="enrolment", object_id=999_999,
        details={"before": "2026-11-06", "after": "2026-11-07"},
    )  # fmt: skip
    page = client.get("/admin/audit?lang=ru").text
    for msgid in (
        "Action plan reviewed", "Action plan", "Decision", "Approved",
        "Decision on an application", "Application", "On the waiting list",
        "Roles changed", "Before", "Young person", "Admin", "Mentor", "Enrolment",
    ):  # fmt: skip
        assert translated(msgid, "ru") in page, msgid
    assert f'<a href="/plans/{plan.id}">Safe roads to school</a>' in page
    assert f'<a href="/manage/applications/{application.id}">#{application.id}</a>' in page
    assert f'<a href="/admin/users/{admin.id}">{admin.full_name}</a>' in page
    # An object that is gone keeps its number but no link; dates read as dates.
    assert "#999999" in page and "/manage/enrolments/999999" not in page
    assert "06.11.2026" in page and "2026-11-06" not in page
    for code in ("plan.reviewed", "action_plan", "approve", "waitlisted", "youth"):
        assert f">{code}<" not in page and f" {code} " not in page, code
    # The links an admin is given open.
    assert client.get(f"/plans/{plan.id}").status_code == 200
    assert client.get(f"/manage/applications/{application.id}").status_code == 200
