"""Admin pages: the people list, roles, switching accounts off and on, the audit log."""

import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.security import Role
from tests.factories import AuditEventFactory
from tests.factories import UserFactory
from tests.helpers import error_summary


def names_on(page: str, *names: str) -> list[str]:
    return [name for name in names if name in page]


def test_user_list_searches_names_in_any_script_and_case(client, login_as):
    login_as("admin")
    UserFactory(full_name="Айгерим Токтогулова")
    UserFactory(full_name="Oʻgʻiloy Qodirova")
    UserFactory(full_name="Бобур Раҳимов")

    page = client.get("/admin/users", query_string={"q": "айгерим"}).text
    assert names_on(page, "Айгерим Токтогулова", "Бобур Раҳимов") == ["Айгерим Токтогулова"]
    page = client.get("/admin/users", query_string={"q": "QODIR"}).text
    assert names_on(page, "Oʻgʻiloy Qodirova", "Айгерим Токтогулова") == ["Oʻgʻiloy Qodirova"]


def test_user_list_finds_people_by_phone_in_local_format(client, login_as):
    login_as("admin")
    UserFactory(full_name="Жаныл", email=None, phone="+996555100201")
    UserFactory(full_name="Азамат")
    page = client.get("/admin/users", query_string={"q": "0555 100 201"}).text
    assert names_on(page, "Жаныл", "Азамат") == ["Жаныл"]


def test_search_wildcards_are_taken_literally(client, login_as):
    login_as("admin", full_name="Admin Person")
    UserFactory(full_name="Азамат")
    page = client.get("/admin/users", query_string={"q": "%"}).text
    assert "Азамат" not in page


def test_user_list_filters_by_role_region_and_status(client, login_as):
    login_as("admin", full_name="Admin Person")
    UserFactory(full_name="Mentor Osh", roles={Role.MENTOR}, region_code="KG-O")
    UserFactory(
        full_name="Mentor Batken", roles={Role.MENTOR}, region_code="KG-B", district_code=None
    )
    UserFactory(full_name="Youth Batken", region_code="KG-B", district_code=None)
    UserFactory(full_name="Mentor Off", roles={Role.MENTOR}, region_code="KG-B", active=False)

    query = {"role": "mentor", "region": "KG-B", "status": "active"}
    page = client.get("/admin/users", query_string=query).text
    assert names_on(page, "Mentor Osh", "Mentor Batken", "Youth Batken", "Mentor Off") == [
        "Mentor Batken"
    ]


def test_user_list_bad_filter_gets_a_message_not_an_error(client, login_as):
    login_as("admin")
    response = client.get("/admin/users?role=emperor&lang=en")
    assert response.status_code == 400
    assert error_summary(response.text) == ["Not a valid choice."]


def test_user_list_is_paginated_with_filters_kept(client, login_as, db):
    login_as("admin", full_name="Zz Admin")
    for number in range(30):
        UserFactory(full_name=f"Learner {number:02d}")
    first = client.get("/admin/users?q=learner").text
    assert first.count('<th scope="row">') == 25
    assert "/admin/users?q=learner&amp;page=2" in first
    second = client.get("/admin/users?q=learner&page=2").text
    assert second.count('<th scope="row">') == 5
    assert client.get("/admin/users?page=9").status_code == 404


def test_user_list_query_count_does_not_grow_with_rows(login_as, assert_constant_queries):
    login_as("admin")
    UserFactory(roles={Role.YOUTH, Role.MENTOR})

    def add_rows():
        for _ in range(20):
            UserFactory(roles={Role.YOUTH, Role.MENTOR}, region_code="KG-J", district_code=None)

    assert_constant_queries("/admin/users", add_rows)


def test_admin_changes_roles_and_it_is_audited(client, login_as, db):
    admin = login_as("admin")
    person = UserFactory()
    response = client.post(f"/admin/users/{person.id}/roles", data={"roles": ["youth", "mentor"]})
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.roles == {Role.YOUTH, Role.MENTOR}
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "user.roles_changed")
    )
    assert (event.actor_id, event.object_id) == (admin.id, person.id)
    assert event.details == {"before": ["youth"], "after": ["mentor", "youth"]}


def test_admin_cannot_remove_their_own_admin_role(client, login_as, db):
    admin = login_as("admin")
    response = client.post(f"/admin/users/{admin.id}/roles?lang=en", data={"roles": ["organiser"]})
    assert response.status_code == 400
    assert "You cannot remove your own admin role." in response.text
    db.session.refresh(admin)
    assert Role.ADMIN in admin.roles


def test_unknown_role_is_refused(client, login_as, db):
    login_as("admin")
    person = UserFactory()
    response = client.post(f"/admin/users/{person.id}/roles", data={"roles": ["emperor"]})
    assert response.status_code == 400
    db.session.refresh(person)
    assert person.roles == {Role.YOUTH}


def test_deactivate_and_reactivate_are_audited_and_sign_the_person_out(client, app, login_as, db):
    login_as("admin")
    person = UserFactory()
    their_phone = app.test_client()
    with their_phone.session_transaction() as session:
        session["_user_id"] = person.get_id()

    assert client.post(f"/admin/users/{person.id}/deactivate").status_code == 302
    assert their_phone.get("/account/profile").status_code == 302
    assert client.post(f"/admin/users/{person.id}/reactivate").status_code == 302

    db.session.refresh(person)
    assert person.active
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.object_id == person.id, AuditEvent.action.like("user.%activated"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["user.deactivated", "user.reactivated"]


def test_admin_cannot_switch_off_their_own_account(client, login_as, db):
    admin = login_as("admin")
    client.post(f"/admin/users/{admin.id}/deactivate")
    db.session.refresh(admin)
    assert admin.active


def test_unknown_user_is_404(client, login_as):
    login_as("admin")
    assert client.get("/admin/users/999999").status_code == 404
    assert client.post("/admin/users/999999/deactivate").status_code == 404


def test_admin_role_implies_organiser_rights(client, login_as):
    login_as("admin")
    assert client.get("/account/reset-link").status_code == 200


def test_audit_log_filters_by_action_person_and_date(client, login_as, db):
    admin = login_as("admin", email="boss@example.org")
    other = UserFactory(email="other@example.org")
    AuditEventFactory(action="user.roles_changed", actor_id=admin.id)
    AuditEventFactory(action="user.roles_changed", actor_id=other.id)
    AuditEventFactory(action="user.login", actor_id=admin.id)

    page = client.get("/admin/audit?action=user.roles_changed&actor=boss&lang=en").text
    assert page.count("<tr>") == 2  # the header row and one event
    assert "Roles changed" in page

    tomorrow_page = client.get("/admin/audit?date_from=2099-01-01").text
    assert "<tbody>" not in tomorrow_page


def test_audit_log_bad_date_is_explained(client, login_as):
    login_as("admin")
    response = client.get("/admin/audit?date_from=yesterday&lang=en")
    assert response.status_code == 400
    assert error_summary(response.text) == ["Not a valid date value."]


def test_audit_log_query_count_does_not_grow_with_rows(login_as, assert_constant_queries):
    admin = login_as("admin")
    AuditEventFactory(actor_id=admin.id)

    def add_rows():
        for _ in range(30):
            AuditEventFactory(actor_id=UserFactory().id)

    assert_constant_queries("/admin/audit", add_rows)
