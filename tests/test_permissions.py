"""The route × role matrix: every route of the app, what each kind of visitor gets."""

import pytest

from portal.accounts.models import ErasureRequest
from portal.broadcasts import services as broadcast_services
from portal.camps.models import ApplicationStatus
from portal.camps.models import Camp
from portal.camps.models import CampQuestion
from portal.camps.models import QuestionKind
from portal.camps.paper.models import PaperForm
from portal.extensions import db
from portal.groups import members
from portal.groups import services as group_services
from portal.imports.models import ImportBatch
from portal.imports.models import ImportKind
from portal.security import Role
from portal.storage import storage
from portal.training.models import EnrolmentStatus
from tests.factories import ActionPlanFactory
from tests.factories import ApplicationFactory
from tests.factories import CertificateFactory
from tests.factories import EnrolmentFactory
from tests.factories import FailedEmailFactory
from tests.factories import GuardianConsentFactory
from tests.factories import NotificationFactory
from tests.factories import TrainingSessionFactory
from tests.factories import UserFactory
from tests.factories import YouthGroupFactory
from tests.factories import minor

ROLES = ("anonymous", "youth", "mentor", "organiser", "admin")
LOGIN = 302  # anonymous visitors are sent to the sign-in page
HOME = 302  # signed-in visitors are sent on


def row(anonymous, youth, mentor, organiser, admin):
    return dict(zip(ROLES, (anonymous, youth, mentor, organiser, admin), strict=True))


ADMIN_ONLY = row(LOGIN, 403, 403, 403, 200)
ORGANISERS = row(LOGIN, 403, 403, 200, 200)
OWNER_ONLY = row(LOGIN, 404, 404, 404, 404)  # the application belongs to someone else
OWNER_ONLY_BUT_ORGANISERS = row(LOGIN, 404, 404, 200, 200)
#: Someone else's group or plan: hidden from young people and mentors, and organisers may see
#: it but not act as its members, lead or mentor.
NOT_THEIRS = row(LOGIN, 404, 404, 403, 403)


def organisers(status):
    return row(LOGIN, 403, 403, status, status)


SIGNED_IN = row(LOGIN, 200, 200, 200, 200)
EVERYONE = row(200, 200, 200, 200, 200)

#: endpoint → (method, path, expected status per role). Paths name objects made for the test:
#: {other} another user, {camp}, {question}, {application} (someone else's), {consent},
#: {camp_day} the camp's first day.
MATRIX = {
    "main.home": ("GET", "/", EVERYONE),
    "main.healthz": ("GET", "/healthz", EVERYONE),
    "main.notifications": ("GET", "/notifications", SIGNED_IN),
    "main.mark_notifications_read": ("POST", "/notifications/read", row(LOGIN, 302, 302, 302, 302)),
    # Someone else's notification is not found, and opening it marks nothing.
    "main.open_notification": ("GET", "/notifications/{notification}", OWNER_ONLY),
    "outbox.failed": ("GET", "/manage/outbox/email", ORGANISERS),
    "outbox.requeue": ("POST", "/manage/outbox/email/{failed_email}/requeue", organisers(302)),
    "outbox.requeue_all": ("POST", "/manage/outbox/email/requeue", organisers(302)),
    "accounts.register": ("GET", "/auth/register", row(200, HOME, HOME, HOME, HOME)),
    "accounts.login": ("GET", "/auth/login", row(200, HOME, HOME, HOME, HOME)),
    "accounts.logout": ("POST", "/auth/logout", row(LOGIN, 302, 302, 302, 302)),
    "accounts.set_language": ("POST", "/language", row(LOGIN, 302, 302, 302, 302)),
    "accounts.request_reset": ("GET", "/auth/reset", EVERYONE),
    "accounts.reset_password": ("GET", "/auth/reset/not-a-token", row(400, 400, 400, 400, 400)),
    "accounts.profile": ("GET", "/account/profile", SIGNED_IN),
    "accounts.reauthenticate": ("GET", "/auth/confirm", SIGNED_IN),
    "accounts.my_data": ("GET", "/account/data", SIGNED_IN),
    "accounts.download_data": ("GET", "/account/data.json", SIGNED_IN),
    "accounts.request_erasure": ("POST", "/account/erasure", row(LOGIN, 400, 400, 400, 400)),
    "admin.erasure_requests": ("GET", "/admin/erasure", ADMIN_ONLY),
    "admin.carry_out_erasure": ("POST", "/admin/erasure/{erasure}", row(LOGIN, 403, 403, 403, 302)),
    "accounts.change_password": ("GET", "/account/password", SIGNED_IN),
    "accounts.assisted_reset": ("GET", "/account/reset-link", row(LOGIN, 403, 403, 200, 200)),
    "admin.users": ("GET", "/admin/users", ADMIN_ONLY),
    "admin.user": ("GET", "/admin/users/{other}", ADMIN_ONLY),
    # No role ticked: the admin gets the form back (an account keeps at least one role).
    "admin.change_roles": (
        "POST",
        "/admin/users/{other}/roles",
        row(LOGIN, 403, 403, 403, 400),
    ),
    "admin.deactivate": ("POST", "/admin/users/{other}/deactivate", row(LOGIN, 403, 403, 403, 302)),
    "admin.reactivate": ("POST", "/admin/users/{other}/reactivate", row(LOGIN, 403, 403, 403, 302)),
    "admin.audit": ("GET", "/admin/audit", ADMIN_ONLY),
    "camps.index": ("GET", "/camps", EVERYONE),
    "camps.camp": ("GET", "/camps/{camp}", EVERYONE),
    "camps.apply": ("POST", "/camps/{camp}/apply", row(LOGIN, 302, 403, 403, 403)),
    "camps.applications": ("GET", "/applications", SIGNED_IN),
    "camps.application": ("GET", "/applications/{application}", OWNER_ONLY),
    "camps.application_sent": ("GET", "/applications/{application}/sent", OWNER_ONLY),
    "camps.confirm": ("POST", "/applications/{application}/confirm", OWNER_ONLY),
    "camps.decline": ("POST", "/applications/{application}/decline", OWNER_ONLY),
    "camps.withdraw": ("POST", "/applications/{application}/withdraw", OWNER_ONLY),
    "camps.resume_code": ("POST", "/applications/{application}/resume-code", OWNER_ONLY),
    "camps.resume": ("GET", "/applications/resume", SIGNED_IN),
    "camps.withdraw_photo_consent": (
        "POST",
        "/applications/{application}/photo-consent/withdraw",
        OWNER_ONLY,
    ),
    "training.mine": ("GET", "/training", SIGNED_IN),
    "training.certificate": ("GET", "/certificates/{certificate}.pdf", OWNER_ONLY_BUT_ORGANISERS),
    "training.verify": ("GET", "/certificates/verify/{code}", EVERYONE),
    "training.my_sessions": ("GET", "/training/sessions", row(LOGIN, 403, 200, 200, 200)),
    "training.attendance": ("GET", "/sessions/{session}/attendance", OWNER_ONLY_BUT_ORGANISERS),
    "training.save_attendance": (
        "POST",
        "/sessions/{session}/attendance",
        row(LOGIN, 404, 404, 302, 302),
    ),
    # Unconfirmed: the page says whose marks it would change (portal/confirm.py).
    "training.all_present": (
        "POST",
        "/sessions/{session}/attendance/all-present",
        row(LOGIN, 404, 404, 200, 200),
    ),
    "training_manage.programmes": ("GET", "/manage/programmes", ORGANISERS),
    "training_manage.new_programme": ("GET", "/manage/programmes/new", ORGANISERS),
    "training_manage.edit_programme": ("GET", "/manage/programmes/{programme}/edit", ORGANISERS),
    "training_manage.programme": ("GET", "/manage/programmes/{programme}", ORGANISERS),
    "training_manage.add_module": (
        "POST",
        "/manage/programmes/{programme}/modules",
        organisers(400),
    ),
    "training_manage.add_session": (
        "POST",
        "/manage/programmes/{programme}/sessions",
        organisers(400),
    ),
    "training_manage.enrol_one": ("POST", "/manage/programmes/{programme}/enrol", organisers(400)),
    "training_manage.enrol_camp": (
        "POST",
        "/manage/programmes/{programme}/enrol-camp",
        organisers(400),
    ),
    "training_manage.enrol_list": (
        "POST",
        "/manage/programmes/{programme}/enrol-list",
        organisers(400),
    ),
    "training_manage.drop": ("POST", "/manage/enrolments/{enrolment}/drop", organisers(302)),
    "training_manage.revoke": (
        "POST",
        "/manage/certificates/{certificate}/revoke",
        organisers(400),
    ),
    "training_manage.confirm_revoke": (
        "GET",
        "/manage/certificates/{certificate}/revoke",
        ORGANISERS,
    ),
    "training_manage.keep": ("POST", "/manage/certificates/{certificate}/keep", organisers(400)),
    "training_manage.flagged_certificates": ("GET", "/manage/certificates/flagged", ORGANISERS),
    "training_manage.enrolment": ("GET", "/manage/enrolments/{enrolment}", ORGANISERS),
    "training_manage.change_enrolment_date": (
        "POST",
        "/manage/enrolments/{enrolment}/date",
        organisers(400),
    ),
    "training_manage.ambassadors": ("GET", "/manage/ambassadors", ORGANISERS),
    "training_manage.export_ambassadors": ("GET", "/manage/ambassadors/export.csv", ORGANISERS),
    "groups.index": ("GET", "/groups", SIGNED_IN),
    "groups.new_group": ("GET", "/groups/new", row(LOGIN, 200, 403, 200, 200)),
    "groups.group": ("GET", "/groups/{group}", OWNER_ONLY_BUT_ORGANISERS),
    "group_members.join": ("GET", "/groups/join", row(LOGIN, 200, 403, 403, 403)),
    "group_members.invite": ("POST", "/groups/{group}/members", row(LOGIN, 404, 404, 400, 400)),
    "group_members.cancel_invitation": (
        "POST",
        "/groups/{group}/invitations/{invitation}/cancel",
        row(LOGIN, 404, 404, 302, 302),
    ),
    "group_members.invitation": ("GET", "/invitations/{invitation}", OWNER_ONLY),
    "group_members.accept": ("POST", "/invitations/{invitation}/accept", OWNER_ONLY),
    "group_members.decline": ("POST", "/invitations/{invitation}/decline", OWNER_ONLY),
    "group_members.reset_code": ("POST", "/groups/{group}/join-code", NOT_THEIRS),
    "group_members.stay": ("POST", "/groups/{group}/stay", NOT_THEIRS),
    "group_members.leave": ("POST", "/groups/{group}/leave", row(LOGIN, 404, 404, 302, 302)),
    "group_members.hand_over": ("POST", "/groups/{group}/lead", NOT_THEIRS),
    "groups.new_plan": ("POST", "/groups/{group}/plans", NOT_THEIRS),
    "groups.plan": ("GET", "/plans/{plan}", OWNER_ONLY_BUT_ORGANISERS),
    "groups.version": ("GET", "/plans/{plan}/versions/1", OWNER_ONLY_BUT_ORGANISERS),
    "groups.plan_sent": ("GET", "/plans/{plan}/sent", OWNER_ONLY_BUT_ORGANISERS),
    "groups.review": ("GET", "/plans/{plan}/review", NOT_THEIRS),
    "groups.comment": ("POST", "/plans/{plan}/comments", NOT_THEIRS),
    "groups.progress": ("POST", "/plans/{plan}/progress", NOT_THEIRS),
    "groups.complete": ("POST", "/plans/{plan}/complete", NOT_THEIRS),
    "groups.queue": ("GET", "/mentor/queue", row(LOGIN, 403, 200, 403, 403)),
    "groups.my_reviews": ("GET", "/mentor/reviews", row(LOGIN, 403, 200, 403, 403)),
    "groups_manage.plans": ("GET", "/manage/plans", ORGANISERS),
    "groups_manage.groups": ("GET", "/manage/groups", ORGANISERS),
    "groups_manage.assign_mentor": ("POST", "/manage/groups/{group}/mentors", organisers(302)),
    "groups_manage.remove_mentor": (
        "POST",
        "/manage/groups/{group}/mentors/{mentor}/remove",
        organisers(302),
    ),
    "groups_manage.reassign_lead": ("POST", "/manage/groups/{group}/lead", organisers(302)),
    "groups_manage.toggle_group": ("POST", "/manage/groups/{group}/active", organisers(400)),
    "groups_manage.archive": ("POST", "/manage/plans/{plan}/archive", organisers(302)),
    "reports.dashboard": ("GET", "/reports", row(LOGIN, 403, 200, 200, 200)),
    "reports.export": ("GET", "/reports/export.csv", ORGANISERS),
    "reports.glance": ("GET", "/at-a-glance", EVERYONE),
    "camps_manage.camps": ("GET", "/manage/camps", ORGANISERS),
    "camps_manage.new_camp": ("GET", "/manage/camps/new", ORGANISERS),
    "camps_manage.edit_camp": ("GET", "/manage/camps/{camp}/edit", ORGANISERS),
    "camps_manage.camp": ("GET", "/manage/camps/{camp}", ORGANISERS),
    "camps_manage.camp_status": ("POST", "/manage/camps/{camp}/status", organisers(400)),
    "camps_manage.add_question": ("POST", "/manage/camps/{camp}/questions", organisers(400)),
    "camps_manage.edit_question": ("GET", "/manage/camps/{camp}/questions/{question}", ORGANISERS),
    "camps_manage.delete_question": (
        "POST",
        "/manage/camps/{camp}/questions/{question}/delete",
        organisers(302),
    ),
    "camps_manage.applications": ("GET", "/manage/camps/{camp}/applications", ORGANISERS),
    "camps_manage.bulk_decide": (
        "POST",
        "/manage/camps/{camp}/applications/decide",
        organisers(400),
    ),
    "camps_manage.application": ("GET", "/manage/applications/{application}", ORGANISERS),
    "camps_manage.review": ("POST", "/manage/applications/{application}/review", organisers(400)),
    "camps_manage.decide": ("POST", "/manage/applications/{application}/decide", organisers(400)),
    "camps_manage.record_consent": (
        "POST",
        "/manage/applications/{application}/consent",
        organisers(400),
    ),
    "camps_manage.withdraw_consent": (
        "POST",
        "/manage/consents/{consent}/withdraw",
        organisers(302),
    ),
    "camps_manage.consent_scan": ("GET", "/manage/consents/{consent}/scan", ORGANISERS),
    "camps_manage.remind_consent": (
        "POST",
        "/manage/applications/{application}/remind-consent",
        organisers(302),
    ),
    "camps_manage.waitlist": ("GET", "/manage/camps/{camp}/waitlist", ORGANISERS),
    "camps_manage.move_on_waitlist": (
        "POST",
        "/manage/applications/{application}/waitlist",
        organisers(302),
    ),
    "camps_manage.checkin": ("GET", "/manage/camps/{camp}/checkin", ORGANISERS),
    "camps_manage.mark_checkin": (
        "POST",
        "/manage/applications/{application}/checkin",
        organisers(400),
    ),
    "camps_manage.export": ("GET", "/manage/camps/{camp}/export.csv", ORGANISERS),
    "camps_manage.participants_pdf": ("GET", "/manage/camps/{camp}/participants.pdf", ORGANISERS),
    "camps_manage.checkin_pdf": (
        "GET",
        "/manage/camps/{camp}/checkin.pdf?day={camp_day}",
        ORGANISERS,
    ),
    "camps_manage.badges_pdf": (
        "GET",
        "/manage/camps/{camp}/badges.pdf?minors=first-name",
        ORGANISERS,
    ),
    "camps_manage.cohort_balance": ("GET", "/manage/camps/{camp}/balance", ORGANISERS),
    "camps_manage.paper_forms": ("GET", "/manage/camps/{camp}/paper", ORGANISERS),
    # Nothing posted: the count (and the code) are missing, so the form comes back.
    "camps_manage.print_paper_forms": ("POST", "/manage/camps/{camp}/paper/print", organisers(400)),
    "camps_manage.find_paper_form": ("POST", "/manage/camps/{camp}/paper/find", organisers(400)),
    "camps_manage.enter_paper_form": ("GET", "/manage/paper/{paper_form}", ORGANISERS),
    "paper.claim": ("GET", "/claim", EVERYONE),
    "camps_manage.save_targets": ("POST", "/manage/camps/{camp}/targets", organisers(302)),
    "broadcasts.index": ("GET", "/manage/broadcasts/camp/{camp}", ORGANISERS),
    "broadcasts.new": ("GET", "/manage/broadcasts/programme/{programme}/new", ORGANISERS),
    "broadcasts.show": ("GET", "/manage/broadcasts/{broadcast}", ORGANISERS),
    "broadcasts.edit": ("GET", "/manage/broadcasts/{broadcast}/edit", ORGANISERS),
    "broadcasts.send": ("POST", "/manage/broadcasts/{broadcast}/send", organisers(302)),
    "broadcasts.discard": ("POST", "/manage/broadcasts/{broadcast}/discard", organisers(302)),
    "imports.index": ("GET", "/manage/imports", ORGANISERS),
    # An upload is its uploader's alone (it holds other people's details): other organisers and
    # admins do not find it.
    "imports.batch": ("GET", "/manage/imports/{batch}", organisers(404)),
    "imports.save_mapping": ("POST", "/manage/imports/{batch}/mapping", organisers(404)),
    "imports.run": ("POST", "/manage/imports/{batch}/run", organisers(404)),
    "imports.rejected": ("GET", "/manage/imports/{batch}/rejected.csv", organisers(404)),
    "imports.discard": ("POST", "/manage/imports/{batch}/discard", organisers(404)),
    "accounts.channels": ("GET", "/account/messages", SIGNED_IN),
    # The page with the button that opens the bot (a fresh one-time code each time).
    "accounts.link_telegram": (
        "POST",
        "/account/messages/telegram",
        row(LOGIN, 200, 200, 200, 200),
    ),
    "accounts.unlink_telegram": (
        "POST",
        "/account/messages/telegram/unlink",
        row(LOGIN, 302, 302, 302, 302),
    ),
    "calendars.account": ("GET", "/account/calendar", SIGNED_IN),
    # The page that shows the new link, once (the token is kept only hashed).
    "calendars.reset": ("POST", "/account/calendar/reset", row(LOGIN, 200, 200, 200, 200)),
    "calendars.turn_off": ("POST", "/account/calendar/off", row(LOGIN, 302, 302, 302, 302)),
    # The link is the key, as for a reset link: calendar apps cannot sign in, and a token
    # nobody was given opens nothing, for anyone (tests/test_calendars.py opens a real one).
    "calendars.person_feed": ("GET", "/calendar/not-a-token.ics", row(404, 404, 404, 404, 404)),
    "calendars.camp_feed": ("GET", "/camps/{camp}/calendar.ics", EVERYONE),
    # Telegram proves itself with the webhook's secret header; nobody else gets in.
    "telegram.webhook": ("POST", "/telegram/webhook", row(403, 403, 403, 403, 403)),
}
IGNORED = {"static"}


class Objects(dict):
    """The objects a path names, each built the first time the path asks for it (owned by
    nobody who signs in during the test). Building only what a path names keeps each of the
    matrix's cases to the few rows it needs."""

    def __missing__(self, name):
        for key, value in getattr(self, f"_build_{BUILT_BY[name]}")().items():
            self.setdefault(key, value)
        return self[name]

    def _build_camp(self):
        application = ApplicationFactory(applicant=minor())
        camp = application.camp
        question = CampQuestion(camp=camp, kind=QuestionKind.SHORT_TEXT, label={"ky": "Суроо"})
        db.session.add(question)
        storage().put("matrix-scan.pdf", b"%PDF-1.4 test")
        consent = GuardianConsentFactory(application=application, file_name="matrix-scan.pdf",
                                         file_type="application/pdf")  # fmt: skip
        db.session.commit()
        return {"camp": camp.id, "question": question.id, "application": application.id,
                "consent": consent.id, "camp_day": camp.start_date.isoformat()}  # fmt: skip

    def _build_training(self):
        enrolment = EnrolmentFactory(status=EnrolmentStatus.COMPLETED)
        certificate = CertificateFactory(enrolment=enrolment)
        session = TrainingSessionFactory(programme=enrolment.programme)
        other_enrolment = EnrolmentFactory(programme=enrolment.programme)
        db.session.commit()
        return {
            "programme": enrolment.programme_id,
            "enrolment": other_enrolment.id,
            "session": session.id,
            "certificate": certificate.id,
            "code": certificate.code,
        }

    def _build_plan(self):
        mentor = UserFactory(roles={Role.MENTOR})
        plan = ActionPlanFactory(group=YouthGroupFactory(mentors=[mentor]))
        group_services.submit(plan, by=plan.group.lead)
        invitee = UserFactory()
        invitation = members.invite(plan.group, ("email", invitee.email), by=plan.group.lead)
        db.session.commit()
        return {"group": plan.group_id, "plan": plan.id, "mentor": mentor.id,
                "invitation": invitation.id}  # fmt: skip

    def _build_broadcast(self):
        camp = db.session.get(Camp, self["camp"])
        ApplicationFactory(camp=camp, status=ApplicationStatus.CONFIRMED)
        broadcast = broadcast_services.draft(
            UserFactory(roles={Role.ORGANISER}), camp, texts={"ky": "Автобус саат 8де."},
            statuses=["confirmed"],
        )  # fmt: skip
        db.session.commit()
        return {"broadcast": broadcast.id}

    def _build_paper_form(self):
        paper = PaperForm(code="MATR2XQR", camp_id=self["camp"])
        db.session.add(paper)
        db.session.commit()
        return {"paper_form": paper.id}

    def _build_import(self):
        storage().put("matrix-import.csv", "Name,Phone\nАзамат Сыдыков,0555200001\n".encode())
        batch = ImportBatch(
            kind=ImportKind.PEOPLE, uploaded_by_id=UserFactory(roles={Role.ORGANISER}).id,
            file_name="matrix-import.csv", file_format="csv", header=["Name", "Phone"],
            mapping={"full_name": 0, "phone": 1}, row_count=1,
        )  # fmt: skip
        db.session.add(batch)
        db.session.commit()
        return {"batch": batch.id}

    def _build_erasure(self):
        erasure = ErasureRequest(user_id=UserFactory().id)
        db.session.add(erasure)
        db.session.commit()
        return {"erasure": erasure.id}

    def _build_notification(self):
        return {"notification": NotificationFactory(link="/camps").id}

    def _build_other(self):
        return {"other": UserFactory().id}

    def _build_failed_email(self):
        return {"failed_email": FailedEmailFactory().id}


#: placeholder → the builder that makes it (and its neighbours).
BUILT_BY = {
    **dict.fromkeys(("camp", "question", "application", "consent", "camp_day"), "camp"),
    **dict.fromkeys(("programme", "enrolment", "session", "certificate", "code"), "training"),
    **dict.fromkeys(("group", "plan", "mentor", "invitation"), "plan"),
    "erasure": "erasure",
    "paper_form": "paper_form",
    "broadcast": "broadcast",
    "batch": "import",
    "other": "other",
    "notification": "notification",
    "failed_email": "failed_email",
}


def objects() -> Objects:
    return Objects()


def test_matrix_lists_every_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED
    assert endpoints - set(MATRIX) == set(), "add the new routes to the permission matrix"
    assert set(MATRIX) - endpoints == set(), "the matrix names routes that no longer exist"


def test_matrix_methods_match_the_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in MATRIX:
            assert MATRIX[rule.endpoint][0] in rule.methods, rule.endpoint


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_route_answers_each_role_as_designed(client, login_as, endpoint, role):
    method, path, expected = MATRIX[endpoint]
    if role != "anonymous":
        login_as(role)
    send = client.post if method == "POST" else client.get
    response = send(path.format_map(objects()))
    assert response.status_code == expected[role]
    if expected[role] == LOGIN and role == "anonymous":
        assert "/auth/login" in response.headers["Location"]
