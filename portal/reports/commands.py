"""Reach chores for cron: `flask reports warm`."""

import sys
import time

import click
from flask import current_app

from portal import caching
from portal.reports.routes import bp
from portal.reports.warm import keep_warm
from portal.runlock import single_run

bp.cli.help = "Reach chores to run from cron."


@bp.cli.command("warm")
@click.option("--ahead", default=120, show_default=True, type=click.IntRange(0, 3600),
              help="Compute again figures that expire within this many seconds.")  # fmt: skip
@single_run("reports-warm")
def reports_warm(ahead):
    """Compute the public page's figures and the organisers' dashboard for this year, in every
    language, before the kept ones expire, so that no page waits for them (run it every
    minute; it needs the shared cache, Redis)."""
    if not caching.shared_between_processes():
        click.echo(
            f"The cache is kept in each process ({current_app.config['CACHE_TYPE']}): figures"
            " computed here would reach no page. Set CACHE_REDIS_URL.",
            err=True,
        )
        sys.exit(1)
    started = time.process_time()
    computed = keep_warm(ahead)
    seconds = time.process_time() - started
    if not caching.answering():
        click.echo("The cache is not answering: no figure could be kept; try again.", err=True)
        sys.exit(1)
    if computed:
        click.echo(f"Computed {', '.join(computed)} ({seconds:.1f} s of CPU).")
    else:
        click.echo("Every figure is fresh; nothing computed.")
