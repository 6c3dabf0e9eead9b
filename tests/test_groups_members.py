"""Group membership by consent: invitations, the join code, leaving, the lead role."""

import html
import json
import re
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from portal.accounts.privacy import erase
from portal.audit import AuditEvent
from portal.extensions import db
from portal.extensions import utcnow
from portal.groups import members
from portal.groups import services
from portal.groups.models import GroupInvitation
from portal.groups.models import InvitationStatus
from portal.groups.models import JoinedVia
from portal.groups.models import Membership
from portal.notify import Notification
from portal.notify import OutboundEmail
from portal.security import Role
from tests.factories import UserFactory
from tests.factories import YouthGroupFactory
from tests.helpers import error_summary
from tests.helpers import translated

NEUTRAL = "If a young person uses this contact, they will get an invitation."


def as_user(client, user):
    with client.session_transaction() as session:
        session.clear()
    db.session.refresh(user)
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()


def flashes(client) -> list:
    with client.session_transaction() as session:
        return session.pop("_flashes", [])


def invitations_of(person) -> list[GroupInvitation]:
    return db.session.scalars(
        sa.select(GroupInvitation).where(GroupInvitation.invitee_id == person.id)
    ).all()


def told(person) -> list[str]:
    return db.session.scalars(
        sa.select(Notification.link).where(Notification.user_id == person.id)
    ).all()


def test_a_lead_cannot_make_anyone_a_member_without_their_acceptance(client, db):
    group = YouthGroupFactory()
    friend = UserFactory(email="friend@example.org", phone="+996700222333", locale="ru")
    as_user(client, group.lead)
    response = client.post(f"/groups/{group.id}/members", data={"person": "0700 222 333"})
    assert response.status_code == 302
    assert not services.is_member(group, friend)
    [invitation] = invitations_of(friend)
    assert told(friend) == [f"/invitations/{invitation.id}"]
    [email] = db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.user_id == friend.id))
    assert group.name in email.body and f"/invitations/{invitation.id}" in email.body
    assert translated("An invitation to a youth group", "ru") == email.subject

    as_user(client, friend)
    assert group.name in client.get("/groups").text
    page = client.get(f"/invitations/{invitation.id}?lang=en").text
    assert group.name in page and group.lead.full_name in page and "Accept and join" in page
    assert client.post(f"/invitations/{invitation.id}/accept").status_code == 302
    assert services.is_member(group, friend)
    assert services.membership(group, friend).joined_via is JoinedVia.INVITATION
    assert f"/groups/{group.id}" in told(group.lead)


def test_the_answer_is_the_same_whoever_the_contact_belongs_to(client, db):
    youth = UserFactory(full_name="Айгүл Жолдошева", phone="+996700111222")
    mentor = UserFactory(full_name="Бакыт Мамытов", phone="+996700111444", roles={Role.MENTOR})
    both = UserFactory(phone="+996700111555", roles={Role.YOUTH, Role.ORGANISER})
    member = UserFactory(phone="+996700111666")
    group = YouthGroupFactory(members=[member])
    as_user(client, group.lead)
    answers = []
    for typed in ("0700 111 222", "0700 111 333", "0700 111 444", "0700 111 555", "0700111666"):
        response = client.post(f"/groups/{group.id}/members?lang=en", data={"person": typed})
        answers.append((response.status_code, response.headers["Location"], response.data,
                        flashes(client)))  # fmt: skip
    assert all(answer == answers[0] for answer in answers)
    assert answers[0][3] == [("success", NEUTRAL)]

    page = client.get(f"/groups/{group.id}?lang=en").text
    assert "Айгүл Жолдошева" not in page and "Бакыт Мамытов" not in page
    rows = re.findall(r"<li>(\+996 \*\*\* \*\*\* \d{3}) · until [\d.]+", page)
    assert sorted(rows) == [f"+996 *** *** {n}" for n in (222, 333, 444, 555, 666)]
    # Only the young person who may join got anything.
    assert len(told(youth)) == 1
    assert told(mentor) == told(both) == told(member) == []
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(GroupInvitation).where(
            GroupInvitation.invitee_id.is_not(None)
        )
    ) == 1  # fmt: skip
    # Typing the same contact again changes nothing, account or not.
    for typed in ("0700 111 222", "0700 111 333"):
        client.post(f"/groups/{group.id}/members", data={"person": typed})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GroupInvitation)) == 5
    assert len(told(youth)) == 1


def test_a_contact_that_is_neither_email_nor_phone_is_refused_without_a_lookup(client, db):
    group = YouthGroupFactory()
    as_user(client, group.lead)
    response = client.post(f"/groups/{group.id}/members?lang=en", data={"person": "Айгүл"})
    assert response.status_code == 400
    assert error_summary(response.text) == ["Enter an e-mail address or a phone number."]


def test_someone_who_left_cannot_be_invited_again_but_may_rejoin_with_the_code(client, db):
    member = UserFactory(email="left@example.org")
    group = YouthGroupFactory(members=[member])
    as_user(client, member)
    client.post(f"/groups/{group.id}/leave")
    assert not services.is_member(group, member)

    as_user(client, group.lead)
    client.post(f"/groups/{group.id}/members", data={"person": "left@example.org"})
    assert not services.is_member(group, member)
    assert invitations_of(member) == [] and told(member) == []

    as_user(client, member)
    assert client.post("/groups/join", data={"code": group.join_code}).status_code == 302
    assert services.is_member(group, member)
    assert services.membership(group, member).joined_via is JoinedVia.JOIN_CODE


def test_the_invitee_declines_and_the_lead_neither_learns_it_nor_can_invite_again(client, db):
    group = YouthGroupFactory()
    person = UserFactory(email="no@example.org")
    invitation = members.invite(group, ("email", "no@example.org"), by=group.lead)
    db.session.commit()
    as_user(client, person)
    assert client.post(f"/invitations/{invitation.id}/decline").status_code == 302
    db.session.refresh(invitation)
    assert invitation.status is InvitationStatus.DECLINED and not services.is_member(group, person)
    assert client.post(f"/invitations/{invitation.id}/accept").status_code == 302
    assert not services.is_member(group, person)

    as_user(client, group.lead)
    assert told(group.lead) == []
    page = client.get(f"/groups/{group.id}?lang=en").text
    assert "n***@example.org" in page  # still looks unanswered
    client.post(f"/groups/{group.id}/invitations/{invitation.id}/cancel")
    assert "n***@example.org" not in client.get(f"/groups/{group.id}").text
    client.post(f"/groups/{group.id}/members", data={"person": "no@example.org"})
    assert len(invitations_of(person)) == 1 and len(told(person)) == 1
    # The refusal stands after the lead cancelled it.
    db.session.refresh(invitation)
    assert invitation.status is InvitationStatus.DECLINED


def test_an_expired_invitation_is_refused(client, db):
    group = YouthGroupFactory()
    person = UserFactory(email="late@example.org")
    sent = utcnow() - members.INVITATION_VALID - timedelta(minutes=1)
    invitation = members.invite(group, ("email", "late@example.org"), by=group.lead, now=sent)
    db.session.commit()
    as_user(client, person)
    page = client.get(f"/invitations/{invitation.id}?lang=en").text
    assert "This invitation is no longer open." in page and "Accept and join" not in page
    assert group.name not in client.get("/groups").text
    client.post(f"/invitations/{invitation.id}/accept?lang=en")
    assert not services.is_member(group, person)
    assert "This invitation is no longer open." in str(flashes(client))
    # Once expired, the lead may invite again.
    invitation_again = members.invite(group, ("email", "late@example.org"), by=group.lead)
    assert invitation_again.invitee_id == person.id


def test_another_persons_invitation_answers_404(client, db):
    group = YouthGroupFactory()
    person = UserFactory(email="mine@example.org")
    invitation = members.invite(group, ("email", "mine@example.org"), by=group.lead)
    db.session.commit()
    other = YouthGroupFactory()
    for somebody in (UserFactory(), group.lead, UserFactory(roles={Role.MENTOR})):
        as_user(client, somebody)
        assert client.get(f"/invitations/{invitation.id}").status_code == 404
        assert client.post(f"/invitations/{invitation.id}/accept").status_code == 404
        assert client.post(f"/invitations/{invitation.id}/decline").status_code == 404
    as_user(client, other.lead)
    assert client.post(f"/groups/{group.id}/invitations/{invitation.id}/cancel").status_code == 404
    path = f"/groups/{other.id}/invitations/{invitation.id}/cancel"
    assert client.post(path).status_code == 404  # not an invitation of their group
    db.session.refresh(invitation)
    assert invitation.status is InvitationStatus.PENDING and person


def test_the_lead_sees_waiting_invitations_masked_and_cancels_them(client, db):
    group = YouthGroupFactory()
    person = UserFactory(full_name="Нуриза Абдыкадырова", phone="+996555010203")
    as_user(client, group.lead)
    client.post(f"/groups/{group.id}/members", data={"person": "+996 555 01 02 03"})
    page = client.get(f"/groups/{group.id}").text
    assert "+996 *** *** 203" in page and "Нуриза" not in page and "555010203" not in page
    [invitation] = invitations_of(person)
    client.post(f"/groups/{group.id}/invitations/{invitation.id}/cancel")
    assert "+996 *** *** 203" not in client.get(f"/groups/{group.id}").text
    as_user(client, person)
    client.post(f"/invitations/{invitation.id}/accept")
    assert not services.is_member(group, person)


def test_invitations_are_rate_limited_per_lead_with_a_translated_message(client, db):
    group = YouthGroupFactory()
    as_user(client, group.lead)
    limit = int(current_app.config["RATELIMIT_GROUP_INVITE"].split()[0])
    for number in range(limit):
        response = client.post(
            f"/groups/{group.id}/members", data={"person": f"p{number}@example.org"}
        )
        assert response.status_code == 302
    response = client.post(f"/groups/{group.id}/members?lang=ru", data={"person": "x@example.org"})
    assert response.status_code == 429
    assert (
        translated(
            "You have sent many invitations in the last hour. Wait a while, then invite more.",
            "ru",
        )
        in response.text
    )
    other = YouthGroupFactory()
    as_user(client, other.lead)
    response = client.post(f"/groups/{other.id}/members", data={"person": "x@example.org"})
    assert response.status_code == 302


def test_join_codes_cannot_be_guessed(client, db):
    guesser = UserFactory()
    group = YouthGroupFactory()
    as_user(client, guesser)
    limit = int(current_app.config["RATELIMIT_JOIN_CODE"].split()[0])
    for number in range(limit):
        response = client.post("/groups/join", data={"code": f"guess{number}"})
        assert response.status_code == 400
    response = client.post("/groups/join?lang=ky", data={"code": group.join_code})
    assert response.status_code == 429 and not services.is_member(group, guesser)
    assert translated(
        "You typed too many wrong codes. Wait a while and ask your group's lead for the code.",
        "ky",
    ) in html.unescape(response.text)
    # Joining with the right code never counts against anyone.
    joiner = UserFactory()
    as_user(client, joiner)
    for _ in range(limit + 1):
        other = YouthGroupFactory()
        assert client.post("/groups/join", data={"code": other.join_code}).status_code == 302


def test_the_lead_role_goes_only_to_a_member_who_chose_to_join(client, db):
    added = UserFactory(full_name="Эски Мүчө")
    group = YouthGroupFactory(members=[added])
    services.membership(group, added).joined_via = JoinedVia.ADDED  # added before this change
    db.session.commit()
    as_user(client, group.lead)
    page = client.get(f"/groups/{group.id}").text
    assert f'value="{added.id}"' not in page
    response = client.post(f"/groups/{group.id}/lead", data={"member": str(added.id)})
    assert response.status_code == 400
    client.post(f"/groups/{group.id}/leave")
    assert services.is_member(group, group.lead)  # the only lead cannot leave

    as_user(client, added)
    assert "Stay in the group" in client.get(f"/groups/{group.id}?lang=en").text
    client.post(f"/groups/{group.id}/stay")
    assert services.membership(group, added).joined_via is JoinedVia.CONFIRMED
    as_user(client, group.lead)
    client.post(f"/groups/{group.id}/lead", data={"member": str(added.id)})
    db.session.refresh(group)
    assert group.lead_id == added.id


def test_organiser_reassigns_the_lead(client, login_as, db):
    member, added = UserFactory(), UserFactory()
    group = YouthGroupFactory(members=[member, added])
    services.membership(group, added).joined_via = JoinedVia.ADDED
    db.session.commit()
    old_lead = group.lead
    organiser = login_as("organiser")
    page = client.get(f"/groups/{group.id}?lang=en").text
    assert "Choose a new lead" in page and f'value="{added.id}"' not in page
    client.post(f"/manage/groups/{group.id}/lead", data={"member": str(added.id)})
    db.session.refresh(group)
    assert group.lead_id == old_lead.id
    assert client.post(
        f"/manage/groups/{group.id}/lead", data={"member": str(member.id)}
    ).status_code == 302  # fmt: skip
    db.session.refresh(group)
    assert group.lead_id == member.id
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "group.lead_changed")
    )
    assert event.actor_id == organiser.id and event.details == {"lead": member.id}
    assert f"/groups/{group.id}" in told(member)
    as_user(client, old_lead)
    client.post(f"/groups/{group.id}/leave")
    assert not services.is_member(group, old_lead)  # no longer the lead: may leave


def test_membership_changes_are_audited_without_personal_data(client, db):
    group = YouthGroupFactory()
    person = UserFactory(email="audit.me@example.org", phone="+996700333444")
    as_user(client, group.lead)
    client.post(f"/groups/{group.id}/members", data={"person": "audit.me@example.org"})
    client.post(f"/groups/{group.id}/members", data={"person": "0700 999 888"})
    [invitation] = invitations_of(person)
    as_user(client, person)
    client.post(f"/invitations/{invitation.id}/accept")
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.like("group.%")).order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == [
        "group.invitation_sent",
        "group.invitation_sent",
        "group.invitation_accepted",
    ]
    text = json.dumps([e.details for e in events])
    assert "audit.me" not in text and "700" not in text and person.full_name not in text


def test_invitations_are_in_the_data_export_and_erased_with_the_person(client, login_as, db):
    person = login_as("youth", email="export.me@example.org")
    group = YouthGroupFactory(name="Ош жаштары")
    members.invite(group, ("email", "export.me@example.org"), by=group.lead)
    # One the person never received (they were staff then): it names their contact all the same.
    person.set_roles({Role.YOUTH, Role.MENTOR})
    other = YouthGroupFactory()
    members.invite(other, ("email", "export.me@example.org"), by=other.lead)
    person.set_roles({Role.YOUTH})
    db.session.commit()
    data = json.loads(client.get("/account/data.json").data)
    assert [(i["group"], i["status"]) for i in data["group_invitations"]] == [
        ("Ош жаштары", "pending")
    ]
    erase(person, by=UserFactory(roles={Role.ADMIN}))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GroupInvitation)) == 0


def test_demo_data_seeds_members_by_their_own_step(app, db):
    from portal import demo

    demo.seed()
    via = set(db.session.scalars(sa.select(Membership.joined_via)))
    assert via == {JoinedVia.CREATED, JoinedVia.INVITATION, JoinedVia.JOIN_CODE}
    assert db.session.scalar(
        sa.select(GroupInvitation).where(GroupInvitation.status == InvitationStatus.PENDING)
    )


def test_the_migration_tells_who_chose_their_group_from_the_audit_trail(tmp_path):
    from flask_migrate import downgrade
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with app.test_request_context():
        upgrade(revision="0008_scale_indexes")
        creator, by_code, added, readded = (UserFactory().id for _ in range(4))
        run = db.session.execute
        run(sa.text("INSERT INTO youth_group (id, name, region_code, community, lead_id, "
                    "join_code, active, created_at) VALUES (1, 'Топ', 'KG-O', '', :lead, 'c0de', "
                    "1, CURRENT_TIMESTAMP)"), {"lead": creator})  # fmt: skip
        for person in (creator, by_code, added, readded):
            run(sa.text("INSERT INTO membership (group_id, user_id, joined_at) "
                        "VALUES (1, :person, CURRENT_TIMESTAMP)"), {"person": person})  # fmt: skip
        for action, actor, member in (("group.created", creator, None),
                                      ("group.member_added", by_code, by_code),
                                      ("group.member_added", creator, added),
                                      ("group.member_added", readded, readded),
                                      ("group.member_added", creator, readded)):  # fmt: skip
            details = json.dumps({"member": member} if member else {})
            run(sa.text("INSERT INTO audit_event (created_at, actor_id, action, object_type, "
                        "object_id, details) VALUES (CURRENT_TIMESTAMP, :actor, :action, "
                        "'youth_group', 1, :details)"),
                {"actor": actor, "action": action, "details": details})  # fmt: skip
        db.session.commit()
        upgrade()
        via = dict(run(sa.text("SELECT user_id, joined_via FROM membership")).all())
        assert via == {
            creator: "created", by_code: "join_code", added: "added", readded: "added"
        }  # fmt: skip
        db.session.remove()
        downgrade(revision="0008_scale_indexes")
        assert run(sa.text("SELECT COUNT(*) FROM membership")).scalar() == 4
        # Upgrading again keeps what members chose since (as the new code audits it).
        run(sa.text("INSERT INTO audit_event (created_at, actor_id, action, object_type, "
                    "object_id, details) VALUES (CURRENT_TIMESTAMP, :actor, "
                    "'group.membership_confirmed', 'youth_group', 1, '{}')"),
            {"actor": added})  # fmt: skip
        db.session.commit()
        db.session.remove()
        upgrade()
        via = dict(run(sa.text("SELECT user_id, joined_via FROM membership")).all())
        assert via[added] == "confirmed" and via[by_code] == "join_code"
        db.session.remove()
