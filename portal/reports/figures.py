"""The dashboard's and the public page's figures: how each is computed, and how it is kept in
the shared cache. The pages read them from here (`dashboard_figures`, `glance_figures`), and so
does the job that computes them again before they expire (`portal/reports/warm.py`), so the
two can never key or compute them differently."""

import secrets
from datetime import date
from datetime import datetime

from flask import current_app
from flask import render_template
from markupsafe import Markup

from portal import caching
from portal.extensions import utcnow
from portal.i18n import locale_code
from portal.places import place_names
from portal.reports import aggregates
from portal.reports.report import METRIC_LABELS
from portal.reports.report import NOT_GIVEN
from portal.reports.report import build
from portal.reports.safe import protect
from portal.reports.safe import publish

#: The public page's figures are shared by every server (portal/caching.py) this long.
GLANCE_SECONDS = 600


def year_scope(year: int, region: str | None = None, mentor_id: int | None = None):
    """A whole year, as the dashboard offers (an organiser's when `mentor_id` is None)."""
    return aggregates.Scope(date(year, 1, 1), date(year, 12, 31), region=region,
                            mentor_id=mentor_id)  # fmt: skip


# --- the dashboard ---------------------------------------------------------------------------


def dashboard_figures(scope) -> tuple[datetime, Markup]:
    """(computed at, the figures and tables rendered) for `scope` in the reader's language,
    shared by every server for REPORT_CACHE_SECONDS: at ten times the programme's scale it
    aggregates a million rows, too slow for every page view, and its tables take 17 templates.
    The figures and their rendering are kept as one value, so they are always computed and
    forgotten together. The page says when the figures were computed; the signed-in parts of
    the page (header, forms) are rendered around the fragment on every request."""
    seconds = current_app.config["REPORT_CACHE_SECONDS"]
    if not seconds:
        return rendered_figures(scope)
    return caching.remember(
        figures_key(scope), lambda: rendered_figures(scope), timeout=seconds, stamped=True
    )


def figures_key(scope) -> str:
    """The shared cache's key of `scope`'s figures in the language of the moment."""
    key = f"reach:{scope.start}:{scope.end}:{scope.region or ''}:{scope.mentor_id or ''}"
    return f"{key}:{locale_code()}"


def rendered_figures(scope) -> tuple[datetime, Markup]:
    """(now, the dashboard's figures and tables for `scope` rendered in the language of the
    moment): what the dashboard keeps."""
    report = build(scope, place_names())
    html = render_template("reports/_figures.html", report=report, metrics=METRIC_LABELS)
    return utcnow(), Markup(html)  # nosec B704 - an autoescaped template's output


# --- the public page -------------------------------------------------------------------------


def glance_figures(year: int) -> tuple[str, dict]:
    """(a stamp naming one computation, the public page's figures for `year`), shared by every
    server for GLANCE_SECONDS: the same figures in every language."""
    return caching.remember(
        glance_key(year), lambda: glance_value(year), timeout=GLANCE_SECONDS, stamped=True
    )


def glance_key(year: int) -> str:
    return f"glance:{year}"


def glance_value(year: int) -> tuple[str, dict]:
    """(a stamp naming this computation, the public page's figures for `year`)."""
    return secrets.token_hex(8), public_figures(year)


def public_figures(year: int) -> dict:
    """The dashboard's figures for the year, published by the same rule (reports/safe.py)."""
    scope = year_scope(year)
    totals, counts = aggregates.breakdowns(scope)
    by_region = counts["region"]
    girls = counts["gender"].get("female", {})
    regions = protect(
        sorted(((region, counts.get("reached", 0)) for region, counts in by_region.items()
                if region not in NOT_GIVEN), key=lambda pair: -pair[1]),
        totals["reached"],
    )  # fmt: skip
    camps = aggregates.camps_held(scope)
    plans = aggregates.plans_by_status_and_category(scope)
    return {
        "reached": publish(totals["reached"]),
        "girls": publish(girls.get("reached", 0)),
        "ambassadors": publish(totals["ambassadors"]),
        "camps": sum(count for _region, count, _people in camps),
        "plans": sum(count for _status, _category, count in plans),
        "plans_done": sum(c for status, _cat, c in plans if status == "completed"),
        "communities": publish(aggregates.communities(scope)["communities"]),
        "regions": regions.rows,
    }
