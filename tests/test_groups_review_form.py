"""The mentor's review form: section comments folded until needed, the last round's scores as
the defaults of a revision, and an error summary that names where each problem is."""

import re

from portal.extensions import db
from portal.groups import services
from portal.security import Role
from tests.factories import ActionPlanFactory
from tests.factories import UserFactory
from tests.factories import YouthGroupFactory
from tests.helpers import error_summary
from tests.test_groups import REVIEW
from tests.test_groups import as_user

CRITERIA = ("relevance", "feasibility", "inclusion", "do_no_harm", "sustainability")


def sent_plan(*mentors):
    plan = ActionPlanFactory(group=YouthGroupFactory(mentors=list(mentors)))
    services.submit(plan, by=plan.group.lead)
    db.session.commit()
    return plan


def revised(plan, mentor):
    """The mentor asks for changes with scores 1 to 4 and notes; the group sends version 2."""
    scores = {key: {"score": n % 4 + 1, "note": f"Эскертүү {n}"} for n, key in enumerate(CRITERIA)}
    services.review(plan, mentor=mentor, scores=scores, section_comments={},
                    overall_comment="Оңдоңуз.", decision="request_changes")  # fmt: skip
    plan.risks = "Жаңы тобокелдиктер."
    services.submit(plan, by=plan.group.lead)
    db.session.commit()
    return scores


def checked_scores(page: str) -> dict[str, str]:
    return dict(
        re.findall(
            r'<input checked id="score_(\w+)-[0-9]" name="score_\w+" [^>]*value="([1-4])"', page
        )
    )


def test_a_revision_starts_from_the_mentors_scores_of_the_last_round_and_says_so(client, db):
    mentor, other = UserFactory(roles={Role.MENTOR}), UserFactory(roles={Role.MENTOR})
    plan = sent_plan(mentor, other)
    first = sent_plan(mentor)
    as_user(client, mentor)
    assert checked_scores(client.get(f"/plans/{first.id}/review").text) == {}  # first round

    scores = revised(plan, mentor)
    page = client.get(f"/plans/{plan.id}/review?lang=en").text
    assert checked_scores(page) == {key: str(given["score"]) for key, given in scores.items()}
    assert 'value="Эскертүү 2"' in page
    assert "Your scores and notes from your review of version 1 are filled in." in page

    # Another mentor's review of version 1 is not theirs to start from.
    as_user(client, other)
    page = client.get(f"/plans/{plan.id}/review?lang=en").text
    assert checked_scores(page) == {} and "are filled in" not in page


def test_a_sent_review_keeps_what_was_sent_not_the_last_rounds_scores(client, db):
    mentor = UserFactory(roles={Role.MENTOR})
    plan = sent_plan(mentor)
    revised(plan, mentor)
    as_user(client, mentor)
    response = client.post(
        f"/plans/{plan.id}/review?lang=en",
        data={"decision": "approve", "overall_comment": "Жакшы.", "score_relevance": "2"},
    )
    assert response.status_code == 400
    assert checked_scores(response.text) == {"relevance": "2"}
    assert "are filled in" not in response.text


def test_section_comments_are_folded_until_written_or_wrong(client, db):
    mentor = UserFactory(roles={Role.MENTOR})
    plan = sent_plan(mentor)
    as_user(client, mentor)
    page = client.get(f"/plans/{plan.id}/review?lang=en").text
    assert page.count('<details class="section-comment">') >= 5
    assert '<details class="section-comment" open>' not in page

    response = client.post(
        f"/plans/{plan.id}/review?lang=en",
        data={**REVIEW, "comment_problem": "Жакшы жазылган.", "comment_budget": "x" * 2001},
    )
    assert response.status_code == 400  # no decision: the page comes back
    assert opened_comments(response.text) == ["comment_problem", "comment_budget"]


def opened_comments(page: str) -> list[str]:
    return re.findall(
        r'<details class="section-comment" open>\s*<summary>[^<]*</summary>\s*'
        r'<div class="field[^"]*">\s*<label for="(\w+)"',
        page,
    )


def test_the_error_summary_names_the_section_and_links_to_the_field(client, db):
    mentor = UserFactory(roles={Role.MENTOR})
    plan = sent_plan(mentor)
    as_user(client, mentor)
    data = {**REVIEW, "decision": "approve", "comment_indicators": "x" * 2001}
    del data["score_feasibility"]
    response = client.post(f"/plans/{plan.id}/review?lang=en", data=data)
    assert response.status_code == 400
    assert error_summary(response.text) == [
        "Feasibility: Give a score from 1 to 4.",
        "How we will know it worked: Field cannot be longer than 2000 characters.",
    ]
    summary = re.search(r'<div class="error-summary"[^>]*>', response.text).group(0)
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary
    assert '<a href="#score_feasibility">' in response.text
    assert '<a href="#comment_indicators">' in response.text
    # The section whose comment is wrong is open, so the link lands on a visible field.
    assert opened_comments(response.text) == ["comment_indicators"]
