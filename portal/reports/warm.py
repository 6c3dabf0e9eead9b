"""Figures kept warm: the public page's and the organisers' dashboard for this year, in every
language, computed again by `flask reports warm` (cron, every minute) shortly before the kept
ones expire, so that no visitor or organiser waits while the programme's rows are summed (at
ten times the programme that is seconds; at thirty, about ten seconds of CPU on SQLite).

The job counts each figure once (`aggregates.counted_once`) and renders every language's
dashboard and the public page from those counts: six computations of the same sums become one.
Pages go on reading the kept figures while the job computes the next ones. A page still
computes what it finds missing (the job not run, the cache emptied), once for every server
(`caching.remember`). A mentor's dashboard (their own groups) and other years or regions are
computed when asked for, as before: they are small, or rarely opened.
"""

from flask import current_app
from flask_babel import force_locale

from portal import caching
from portal.i18n import LANGUAGES
from portal.i18n import local_today
from portal.reports import aggregates
from portal.reports import figures


def keep_warm(ahead: int) -> list[str]:
    """Compute again each warm figure that expires within `ahead` seconds or is not kept;
    the names of those computed ("at a glance 2026", "dashboard 2026 ru", …)."""
    year = local_today().year
    computed = []
    with aggregates.counted_once():
        glance = figures.glance_key(year)
        if caching.refresh(
            glance, lambda: figures.glance_value(year), figures.GLANCE_SECONDS, ahead
        ):
            computed.append(f"at a glance {year}")
        seconds = current_app.config["REPORT_CACHE_SECONDS"]
        scope = figures.year_scope(year)
        for language in LANGUAGES if seconds else ():
            with force_locale(language):
                key = figures.figures_key(scope)
                if caching.refresh(key, lambda: figures.rendered_figures(scope), seconds, ahead):
                    computed.append(f"dashboard {year} {language}")
    return computed
