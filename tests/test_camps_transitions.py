"""The pages offer exactly the steps the services take: both come from camps/transitions.py."""

import re
from datetime import timedelta

import pytest

from portal.camps import services
from portal.camps import transitions
from portal.camps.models import ApplicationStatus as S
from portal.camps.models import CampStatus
from portal.extensions import utcnow
from portal.i18n import local_today
from tests.factories import ApplicationFactory
from tests.factories import CampFactory
from tests.factories import GuardianConsentFactory
from tests.factories import UserFactory
from tests.factories import minor


def accepted_by_service(step) -> bool:
    try:
        step()
    except services.CampError:
        return False
    return True


def test_every_status_has_a_row_and_every_step_a_known_status():
    assert set(transitions.CAMP_TRANSITIONS) == set(CampStatus)
    assert set(transitions.APPLICATION_TRANSITIONS) == set(S)
    for row in transitions.APPLICATION_TRANSITIONS.values():
        assert set(row) <= set(S) and all(row.values())


# --- camps ------------------------------------------------------------------------------------


def camp_page_steps(client, camp) -> set[CampStatus]:
    page = client.get(f"/manage/camps/{camp.id}").text
    forms = re.findall(
        rf'<form method="post" action="/manage/camps/{camp.id}/status">.*?</form>', page, re.S
    )
    return {CampStatus(re.search(r'name="status" value="(\w+)"', form)[1]) for form in forms}


@pytest.mark.parametrize("status", list(CampStatus))
def test_the_camp_page_offers_exactly_the_status_changes_the_service_takes(
    client, login_as, db, status
):
    organiser = login_as("organiser")
    shown = camp_page_steps(client, CampFactory(status=status))
    taken = {
        target
        for target in CampStatus
        if accepted_by_service(
            lambda target=target: services.set_camp_status(
                CampFactory(status=status), target, by=organiser
            )
        )
    }
    assert shown == taken
    assert shown == set(transitions.CAMP_TRANSITIONS[status])


def test_a_draft_camp_cannot_be_closed_and_a_cancelled_one_not_published(client, login_as, db):
    """The buttons the page used to show for these, and the service refused."""
    login_as("organiser")
    assert CampStatus.CLOSED not in camp_page_steps(client, CampFactory(status=CampStatus.DRAFT))
    assert camp_page_steps(client, CampFactory(status=CampStatus.CANCELLED)) == set()


# --- the applicant's steps --------------------------------------------------------------------

APPLICANT_STEPS = {
    "confirm": services.confirm,
    "decline": services.decline,
    "withdraw": services.withdraw,
    "photo-consent/withdraw": services.withdraw_photo_consent,
}


def applicant_page_steps(client, application) -> set[str]:
    page = client.get(f"/applications/{application.id}").text
    steps = "|".join(re.escape(step) for step in APPLICANT_STEPS)
    return set(re.findall(rf'action="/applications/{application.id}/({steps})"', page))


def an_application(applicant, status, **attributes):
    attributes.setdefault("offer_expires_on", local_today() + timedelta(days=3))
    attributes.setdefault("photo_consent_at", utcnow())
    if status is S.DRAFT:
        attributes["submitted_at"] = None
    return ApplicationFactory(applicant=applicant, status=status, **attributes)


@pytest.mark.parametrize("status", list(S))
def test_the_applicant_page_offers_exactly_the_steps_the_service_takes(
    client, login_as, db, status
):
    person = login_as("youth")
    shown = applicant_page_steps(client, an_application(person, status))
    taken = {
        name
        for name, step in APPLICANT_STEPS.items()
        if accepted_by_service(lambda step=step: step(an_application(person, status)))
    }
    assert shown == taken


@pytest.mark.parametrize("status", list(S))
def test_apply_again_is_offered_exactly_when_the_service_reopens_the_application(
    client, login_as, db, status
):
    person = login_as("youth")
    application = an_application(person, status)
    page = client.get(f"/applications/{application.id}").text
    offered = f'action="/camps/{application.camp_id}/apply"' in page
    reopened = accepted_by_service(
        lambda: services.start_application(application.camp, person)
    ) and (status is not S.DRAFT and application.status is S.DRAFT)
    assert offered == reopened == (status is S.WITHDRAWN)


@pytest.mark.parametrize(
    "attributes",
    [
        pytest.param({"offer_expires_on": local_today() - timedelta(days=1)}, id="offer expired"),
        pytest.param({"minor": True}, id="minor without consent"),
    ],
)
def test_a_place_that_cannot_be_confirmed_is_not_offered_for_confirmation(
    client, login_as, db, attributes
):
    if attributes.pop("minor", False):
        person = login_as("youth", date_of_birth=minor().date_of_birth)
    else:
        person = login_as("youth")
    application = an_application(person, S.ACCEPTED, **attributes)
    assert "confirm" not in applicant_page_steps(client, application)
    assert not accepted_by_service(lambda: services.confirm(application))


# --- the organiser's decisions ----------------------------------------------------------------


def decision_page_choices(client, application) -> set[S]:
    page = client.get(f"/manage/applications/{application.id}").text
    return {S(value) for value in re.findall(r'name="decision"[^>]*value="(\w+)"', page)}


def organiser_decision(application, decision, organiser) -> bool:
    unchanged = decision is application.status
    return (
        accepted_by_service(
            lambda: services.decide(application, decision, reason="Because.", by=organiser)
        )
        and not unchanged
    )


def full_camp():
    """A camp whose only place is taken."""
    camp = CampFactory(capacity=1)
    ApplicationFactory(camp=camp, status=S.CONFIRMED)
    return camp


#: The situations the decision form is walked in: who applies, and to what camp.
SITUATIONS = {
    "adult": lambda status: an_application(UserFactory(), status),
    "minor without consent": lambda status: an_application(minor(), status),
    "full camp": lambda status: an_application(UserFactory(), status, camp=full_camp()),
}


@pytest.mark.parametrize("status", [status for status in S if status is not S.DRAFT])
@pytest.mark.parametrize("situation", sorted(SITUATIONS))
def test_the_review_page_offers_exactly_the_decisions_the_service_takes(
    client, login_as, db, status, situation
):
    organiser = login_as("organiser")
    make = SITUATIONS[situation]
    shown = decision_page_choices(client, make(status))
    taken = {
        decision
        for decision in transitions.DECISIONS
        if organiser_decision(make(status), decision, organiser)
    }
    # A decision equal to the present status changes nothing, so it is not offered.
    assert shown == taken


def test_a_full_camp_offers_no_acceptance_and_the_service_takes_none(client, login_as, db):
    """The form used to offer "accept" on a full camp, which the service then refused."""
    organiser = login_as("organiser")
    camp = full_camp()
    waiting = an_application(UserFactory(), S.WAITLISTED, camp=camp)
    assert decision_page_choices(client, waiting) == {S.REJECTED}
    assert not organiser_decision(waiting, S.ACCEPTED, organiser)
    page = client.get(f"/manage/camps/{camp.id}/applications").text
    assert set(re.findall(r'name="decision"[^>]*value="(\w+)"', page)) == {"waitlisted", "rejected"}
    other = an_application(UserFactory(), S.SUBMITTED, camp=CampFactory(capacity=5)).camp
    page = client.get(f"/manage/camps/{other.id}/applications").text
    assert "accepted" in set(re.findall(r'name="decision"[^>]*value="(\w+)"', page))


def test_a_minor_with_consent_may_be_accepted_and_the_page_says_so(client, login_as, db):
    organiser = login_as("organiser")
    application = an_application(minor(), S.SUBMITTED)
    GuardianConsentFactory(application=application)
    assert S.ACCEPTED in decision_page_choices(client, application)
    assert organiser_decision(application, S.ACCEPTED, organiser)


# --- check-in ---------------------------------------------------------------------------------


def checkin_buttons(client, application, day) -> set[bool]:
    page = client.get(f"/manage/camps/{application.camp_id}/checkin?day={day.isoformat()}").text
    item = re.search(rf'<li id="person-{application.id}".*?</li>', page, re.S)
    if not item or f"/manage/applications/{application.id}/checkin" not in item[0]:
        return set()
    return {value == "yes" for value in re.findall(r'name="present" value="(yes|no)"', item[0])}


@pytest.mark.parametrize("status", [S.CONFIRMED, S.ATTENDED, S.NO_SHOW, S.ACCEPTED])
@pytest.mark.parametrize("consent", ["adult", "minor with consent", "minor without consent"])
@pytest.mark.parametrize("day_index", [0, 1, 2], ids=["yesterday", "today", "tomorrow"])
def test_the_checkin_sheet_offers_exactly_the_marks_the_service_takes(
    client, login_as, db, status, consent, day_index
):
    organiser = login_as("organiser")
    camp = CampFactory(start_date=local_today() - timedelta(days=1))
    day = camp.days()[day_index]

    def participant():
        application = an_application(
            UserFactory() if consent == "adult" else minor(), status, camp=camp
        )
        if consent == "minor with consent":
            GuardianConsentFactory(application=application)
        return application

    shown = checkin_buttons(client, participant(), day)
    taken = {
        present
        for present in (True, False)
        if accepted_by_service(
            lambda present=present: services.mark_attendance(
                participant(), day, present, by=organiser
            )
        )
    }
    assert shown == taken
