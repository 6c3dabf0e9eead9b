"""Journey 6: an admin switches the portal to Uzbek on a phone, makes a young person a mentor and
finds the change in the audit log; the new mentor sees the mentor's pages."""

import sqlalchemy as sa
from playwright.sync_api import expect

from portal.accounts.models import User
from portal.security import Role
from tests.factories import PASSWORD
from tests.factories import UserFactory


def test_admin_changes_roles_and_finds_it_in_the_audit_log(journey, live_data, text):
    with live_data():
        admin = UserFactory(full_name="Нурлан Асанов", roles={Role.ADMIN}, locale="ru")
        person = UserFactory(full_name="Севара Мирзаева", locale="uz_Cyrl")
        accounts = {"admin": admin.email, "person": person.email}
        person_id = person.id

    staff = journey.visitor("admin", locale="uz-UZ")
    with journey.step("the admin signs in and switches to Uzbek"):
        staff.sign_in(accounts["admin"], PASSWORD)
        staff.open_languages()
        staff.follow("header .languages button[lang=uz-Cyrl]")
        expect(staff.page.locator("html")).to_have_attribute("lang", "uz-Cyrl")

    with journey.step("the admin finds the young person"):
        staff.follow_menu("/admin/users")
        staff.fill("#q", "Мирзаева")
        staff.follow("form[role=search] button[type=submit]")
        staff.follow(staff.main.get_by_role("link", name="Севара Мирзаева"))
        expect(staff.page.locator("h1")).to_have_text("Севара Мирзаева")

    with journey.step("the admin makes her a mentor"):
        staff.tick("#roles-1")
        staff.follow("form[action$='/roles'] button[type=submit]")
        expect(staff.page.locator(".flash")).to_have_text(text("Roles saved.", "uz_Cyrl"))
        expect(staff.page.locator("#roles-0")).to_be_checked()
        expect(staff.page.locator("#roles-1")).to_be_checked()

    with journey.step("the admin finds the change in the audit log"):
        staff.follow_menu("/admin/audit")
        staff.choose("#action", "user.roles_changed")
        staff.fill("#actor", accounts["admin"])
        staff.follow("form[role=search] button[type=submit]")
        rows = staff.main.locator("tbody tr")
        expect(rows).to_have_count(1)
        expect(rows).to_contain_text("Нурлан Асанов")
        expect(rows).to_contain_text(text("Roles changed", "uz_Cyrl"))
        expect(rows.locator(f"a[href='/admin/users/{person_id}']")).to_be_visible()

    mentor = journey.visitor("new-mentor", locale="uz-UZ")
    with journey.step("the new mentor sees the plans to review"):
        mentor.sign_in(accounts["person"], PASSWORD)
        mentor.follow_menu("/mentor/queue")
        expect(mentor.page.locator("h1")).to_have_text(text("Plans to review", "uz_Cyrl"))

    with live_data() as session:
        stored = session.scalar(sa.select(User).where(User.id == person_id))
        assert stored.roles == {Role.YOUTH, Role.MENTOR}
