"""`bench/growth.py`: two scales' workers measured together, page by page, round by round."""

import subprocess
import sys
from pathlib import Path

import pytest

from bench.growth import Scale
from bench.growth import interleaved
from bench.growth import round_cost
from bench.run import Setup
from bench.run import environment

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory) -> str:
    """A SQLite file with the demo's people (their password is the bench's)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('growth')}/demo.db"
    env = environment(Setup(url, "SQLite", "tiny", None, None))
    env["PORTAL_ENV"] = "development"  # seed-demo refuses to run in production
    flask = str(Path(sys.executable).with_name("flask"))
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([flask, *command], cwd=ROOT, env=env, check=True, capture_output=True)
    return url


def test_every_page_gets_a_figure_at_each_scale_from_workers_on_their_own_databases(
    demo_database, tmp_path
):
    other = tmp_path / "other.db"
    other.write_bytes(Path(demo_database.removeprefix("sqlite:///")).read_bytes())
    scales = [
        Scale("large", environment(Setup(demo_database, "SQLite", "large", None, None)), {}),
        Scale("xl", environment(Setup(f"sqlite:///{other}", "SQLite", "xl", None, None)), {}),
    ]
    pages = [
        ("Young person: home", "/", "youth@demo.example.org"),
        ("Public: at a glance", "/at-a-glance", None),
        ("Organiser: a camp", "/manage/camps/{camp}", "organiser@demo.example.org"),
    ]
    with pytest.raises(RuntimeError, match="the large worker stopped"):
        # A page that does not answer 200 stops its worker, and the check says which.
        interleaved(scales, pages[:1] + [("Missing", "/no-such-page", None)], count=2, rounds=1)
    scales[0].showcase = scales[1].showcase = {"camp": 1}
    figures = interleaved(scales, pages, count=3, rounds=2)
    assert set(figures) == {label for label, _path, _login in pages}
    for by_scale in figures.values():
        assert set(by_scale) == {"large", "xl"}
        assert all(0 < ms < 1000 for ms in by_scale.values())


def test_a_rounds_cost_is_its_median_request_and_the_backends_share_of_each():
    assert round_cost([2.0, 9.0, 2.2, 2.1, 40.0]) == 2.2  # one slow request moves nothing
    assert round_cost([2.0, 2.0, 2.0, 2.0], backend_seconds=0.01) == 4.5  # 10 ms over 4
