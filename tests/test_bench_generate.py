"""`bench/generate.py`: the data set for `make bench` is complete and reproducible."""

import pytest
import sqlalchemy as sa

from bench.generate import SCALES
from bench.generate import Writer
from bench.generate import generate
from portal.camps.models import Application
from portal.camps.models import ApplicationStatus
from portal.groups.models import ActionPlan
from portal.groups.models import PlanStatus
from portal.groups.models import ProgressUpdate
from portal.security import Role
from tests.factories import UserFactory


class Recorder(Writer):
    """Keeps the rows instead of writing them."""

    def __init__(self):
        super().__init__()
        self.rows = []

    def insert(self, table, rows):
        self.rows += [(table, sorted(row.items(), key=str)) for row in rows]


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(db):
    first, again, other = Recorder(), Recorder(), Recorder()
    generate("tiny", seed=7, out=first)
    generate("tiny", seed=7, out=again)
    generate("tiny", seed=8, out=other)
    assert first.rows == again.rows
    assert first.rows != other.rows
    assert first.counts["user"] == 400 + 220 and first.counts["application"] >= 600


def test_every_state_is_present_and_the_demo_mentor_gets_groups(db):
    mentor = UserFactory(email="mentor@demo.example.org", roles={Role.MENTOR})
    showcase = generate("tiny", seed=1)
    statuses = set(db.session.scalars(sa.select(Application.status).distinct()))
    assert statuses == set(ApplicationStatus)
    plan_statuses = set(db.session.scalars(sa.select(ActionPlan.status).distinct()))
    assert plan_statuses == set(PlanStatus)
    plan = db.session.get(ActionPlan, showcase["plan"])
    assert any(link.mentor_id == mentor.id for link in plan.group.mentor_links)
    assert len(plan.versions) >= 1
    # The application the bench opens is an adult's at every scale (a minor's page writes).
    application = db.session.get(Application, showcase["application"])
    assert application.camp_id == showcase["camp"] and not application.is_minor
    assert application.status is ApplicationStatus.SUBMITTED


def test_the_extra_large_scale_is_three_times_large_in_every_dimension():
    assert SCALES["xl"] == tuple(3 * count for count in SCALES["large"])
    assert SCALES["xl"][0] + 220 >= 660_000  # thirty times the programme's 22,000 people


@pytest.mark.parametrize("seed", [1, 4, 5])
def test_the_plan_the_bench_opens_has_the_same_shape_at_every_seed_and_scale(db, seed):
    """Sent back for changes, with its reviews and a comment and no progress updates: a plan
    with updates renders a section more, which the growth check took for growth."""
    UserFactory(email="mentor@demo.example.org", roles={Role.MENTOR})
    plan = db.session.get(ActionPlan, generate("tiny", seed=seed)["plan"])
    assert plan.status is PlanStatus.CHANGES_REQUESTED
    assert plan.versions and plan.versions[-1].reviews
    assert not db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ProgressUpdate)
        .where(ProgressUpdate.plan_id == plan.id)
    )
