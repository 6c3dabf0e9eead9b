"""A reader's plan page, kept rendered per worker under the plan's version
(portal/groups/kept.py): served again without its statements, never stale after any change to
what it shows, and holding no name and no token (both filled in on every request)."""

import pytest
import sqlalchemy as sa

from portal import fragments
from portal.accounts import privacy
from portal.groups import kept
from portal.groups import services
from portal.groups.models import ActionPlan
from portal.groups.models import PlanActivity
from portal.groups.models import PlanComment
from portal.groups.models import PlanReview
from portal.groups.models import PlanStatus
from portal.groups.models import PlanVersion
from portal.groups.models import ProgressUpdate
from portal.security import Role
from tests.factories import UserFactory
from tests.factories import YouthGroupFactory
from tests.factories import plan_in
from tests.factories import review_plan
from tests.helpers import sign_in
from tests.helpers import without_tokens


@pytest.fixture
def reviewed(db):
    """A plan sent back for changes, with a comment by a member, and its mentor."""
    mentor = UserFactory(roles={Role.MENTOR}, full_name="Айпери Ментор")
    member = UserFactory(full_name="Бакыт Мүчө")
    group = YouthGroupFactory(mentors=[mentor], members=[member])
    plan = plan_in(PlanStatus.CHANGES_REQUESTED, group)
    services.add_comment(plan, author=member, body="Качан жолугабыз?")
    db.session.commit()
    return plan, mentor, member


def kept_pages() -> list[str]:
    return list(fragments.PAGES.values())


def page(client, plan) -> str:
    response = client.get(f"/plans/{plan.id}")
    assert response.status_code == 200
    return response.text


def test_a_readers_page_is_kept_and_served_again_with_fewer_statements(
    client, reviewed, count_queries
):
    plan, mentor, _member = reviewed
    sign_in(client, mentor)
    with count_queries() as first:
        drawn = page(client, plan)
    with count_queries() as again:
        served = page(client, plan)
    assert without_tokens(served) == without_tokens(drawn)  # tokens: signed each second
    assert len(kept_pages()) == 1
    # The user, the plan with its group, its members and mentors, the version, the names.
    assert again.total < first.total
    assert again.total <= 8


def test_the_kept_page_holds_no_name_and_no_token(client, reviewed):
    plan, mentor, member = reviewed
    sign_in(client, mentor)
    text = page(client, plan)
    assert mentor.full_name in text and member.full_name in text
    [html] = kept_pages()
    assert mentor.full_name not in html and member.full_name not in html
    assert fragments.named_in(html) == {mentor.id, member.id}
    assert 'name="csrf_token"' not in html  # the token's field is a slot, filled per request
    assert fragments.CSRF in html


def test_a_renamed_or_erased_person_shows_as_they_are_now(client, db, reviewed):
    plan, mentor, member = reviewed
    sign_in(client, mentor)
    page(client, plan)
    member.full_name = "Бакыт Жаңы"
    db.session.commit()
    assert "Бакыт Жаңы" in page(client, plan)

    # Erasure blanks what the person wrote with one UPDATE (no object changes, no flush).
    privacy.erase(member, by=UserFactory(roles={Role.ADMIN}))
    db.session.commit()
    text = page(client, plan)
    assert "Бакыт" not in text and "Качан жолугабыз?" not in text
    assert privacy.pseudonym(member.id) in text


def test_mentor_and_organiser_each_get_their_own_actions(client, reviewed):
    plan, mentor, _member = reviewed
    sign_in(client, mentor)
    assert f'href="/plans/{plan.id}/review"' not in page(client, plan)  # sent back: nothing yet
    sign_in(client, UserFactory(roles={Role.ORGANISER}))
    assert f'action="/manage/plans/{plan.id}/archive"' in page(client, plan)
    sign_in(client, mentor)
    assert f'action="/manage/plans/{plan.id}/archive"' not in page(client, plan)


def _version_moves(db, plan_id, change) -> bool:
    before = _version(db, plan_id)
    change()
    db.session.commit()
    return _version(db, plan_id) > before


def _version(db, plan_id) -> int:
    db.session.info.pop("cache_versions_read", None)  # read the counter afresh
    return kept.version_of(plan_id)


def _add(db, plan, mentor):
    """Each kind of row a plan's page shows, added to `plan` (the ORM's way)."""
    version = plan.latest_version
    rows = {
        PlanActivity: lambda: PlanActivity(plan_id=plan.id, position=9, what="Оюн"),
        PlanComment: lambda: PlanComment(plan_id=plan.id, author_id=mentor.id, body="Жакшы"),
        ProgressUpdate: lambda: ProgressUpdate(
            plan_id=plan.id, author_id=mentor.id, percent_complete=10, what_happened="Башталды"
        ),
        PlanVersion: lambda: PlanVersion(plan_id=plan.id, number=99, content=version.content),
        PlanReview: lambda: PlanReview(
            version_id=version.id,
            mentor_id=mentor.id,
            scores={},
            section_comments={},
            overall_comment="",
            decision="approve",
        ),  # fmt: skip
    }
    adders = {model: (lambda make=make: db.session.add(make())) for model, make in rows.items()}
    return adders | {ActionPlan: lambda: setattr(plan, "budget_som", 6000)}


MODELS = (ActionPlan, PlanActivity, PlanComment, ProgressUpdate, PlanVersion, PlanReview)


def _rows_of(model, plan):
    if model is ActionPlan:
        return ActionPlan.id == plan.id
    if model is PlanReview:
        versions = sa.select(PlanVersion.id).where(PlanVersion.plan_id == plan.id)
        return PlanReview.version_id.in_(versions)
    return model.plan_id == plan.id


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_change_to_what_the_page_shows_moves_the_plans_version(db, reviewed, model):
    plan, mentor, _member = reviewed
    other = plan_in(PlanStatus.CHANGES_REQUESTED, plan.group)
    other_version = _version(db, other.id)
    assert _version_moves(db, plan.id, _add(db, plan, mentor)[model])  # added
    row = db.session.scalars(sa.select(model).where(_rows_of(model, plan))).first()
    text_column, value = {
        ActionPlan: ("title", "Башка"), PlanActivity: ("what", "Башка"),
        PlanComment: ("body", "Башка"), ProgressUpdate: ("what_happened", "Башка"),
        PlanVersion: ("submitted_by_id", mentor.id), PlanReview: ("overall_comment", "Башка"),
    }[model]  # fmt: skip
    assert _version_moves(db, plan.id, lambda: setattr(row, text_column, value))  # changed
    # A bulk UPDATE, as erasure blanks a person's writing, moves it before it runs.
    bulk = sa.update(model).where(_rows_of(model, plan)).values({text_column: value})
    assert _version_moves(db, plan.id, lambda: db.session.execute(bulk))
    if model not in (ActionPlan, PlanVersion):  # plans are archived, versions are frozen
        assert _version_moves(db, plan.id, lambda: db.session.delete(row))  # removed
        _add(db, plan, mentor)[model]()
        db.session.commit()
        remove = sa.delete(model).where(_rows_of(model, plan))
        assert _version_moves(db, plan.id, lambda: db.session.execute(remove))
    assert _version(db, other.id) == other_version  # the group's other plan is untouched


def test_the_page_after_each_change_is_the_page_drawn_afresh(client, db, reviewed):
    plan, mentor, member = reviewed
    sign_in(client, mentor)
    steps = [
        lambda: services.add_comment(plan, author=mentor, body="Жумада"),
        lambda: setattr(plan, "problem", "Кыздар эрте турмушка чыгат."),
        lambda: services.submit(plan, by=plan.group.lead),
        lambda: review_plan(plan, mentor, "approve"),
        lambda: db.session.execute(
            sa.update(PlanComment).where(PlanComment.plan_id == plan.id).values(body="—")
        ),
        lambda: setattr(plan.group, "name", "Жаңы топ"),
        lambda: setattr(plan.group, "active", False),
    ]
    for step in steps:
        page(client, plan)
        step()
        db.session.commit()
        served = page(client, plan)
        fragments.PAGES.clear()
        assert without_tokens(served) == without_tokens(page(client, plan))
