"""The account predicates that views and templates share."""

from portal.accounts import policy
from portal.security import Role
from tests.factories import UserFactory


def test_only_admins_manage_accounts(db):
    assert policy.can_manage_accounts(UserFactory(roles={Role.ADMIN}))
    for role in (Role.YOUTH, Role.MENTOR, Role.ORGANISER):
        assert not policy.can_manage_accounts(UserFactory(roles={role}))


def test_reset_links_only_for_active_phone_only_people(db):
    organiser = UserFactory(roles={Role.ORGANISER})
    phone_only = UserFactory(email=None, phone="+996555000001")
    assert policy.can_issue_reset_link_for(organiser, phone_only)
    assert not policy.can_issue_reset_link_for(organiser, UserFactory())
    assert not policy.can_issue_reset_link_for(
        organiser, UserFactory(email=None, phone="+996555000002", active=False)
    )
    assert not policy.can_issue_reset_link_for(UserFactory(roles={Role.MENTOR}), phone_only)
    assert policy.can_issue_reset_link_for(UserFactory(roles={Role.ADMIN}), phone_only)


def test_admins_cannot_switch_themselves_off(db):
    admin = UserFactory(roles={Role.ADMIN})
    assert not policy.can_switch_off(admin, admin)
    assert policy.can_switch_off(admin, UserFactory())
    assert not policy.can_switch_on(admin, UserFactory())
    assert policy.can_switch_on(admin, UserFactory(active=False))


def test_admin_page_hides_the_switch_off_button_on_ones_own_account(client, login_as):
    admin = login_as("admin")
    page = client.get(f"/admin/users/{admin.id}").text
    assert f"/admin/users/{admin.id}/deactivate" not in page
    other = UserFactory()
    assert f"/admin/users/{other.id}/deactivate" in client.get(f"/admin/users/{other.id}").text
