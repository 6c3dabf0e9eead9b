"""Action plan chores for cron: `flask plans remind-progress`."""

import click

from portal.extensions import db
from portal.groups.routes import bp
from portal.groups.services import remind_overdue_progress
from portal.notify import deliver_if_configured
from portal.runlock import single_run

bp.cli.help = "Action plan chores to run from cron."


@bp.cli.command("remind-progress")
@single_run("plans-remind-progress")
def plans_remind_progress():
    """Remind groups whose approved plan has had no progress update for 30 days."""
    count = remind_overdue_progress()
    db.session.commit()
    deliver_if_configured()
    click.echo(f"Reminded {count} groups.")
