"""Camp chores for cron: `flask camps expire-offers`, `flask camps remind`."""

import click

from portal.camps.routes import bp
from portal.camps.services import expire_offers
from portal.camps.services import send_camp_reminders
from portal.extensions import db
from portal.notify import deliver_if_configured
from portal.runlock import single_run

bp.cli.help = "Camp chores to run from cron."


@bp.cli.command("expire-offers")
@single_run("camps-expire-offers")
def camps_expire_offers():
    """Decline offers not confirmed in time and offer the places to the waiting lists."""
    expired = expire_offers()
    db.session.commit()
    deliver_if_configured()
    click.echo(f"Expired {len(expired)} offers.")


@bp.cli.command("remind")
@click.option("--days", default=2, show_default=True, help="Days before the camp starts.")
@single_run("camps-remind")
def camps_remind(days):
    """Remind confirmed participants that their camp starts soon (each person once)."""
    count = send_camp_reminders(days_before=days)
    db.session.commit()
    deliver_if_configured()
    click.echo(f"Reminded {count} participants.")
