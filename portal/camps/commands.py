"""Camp chores for cron: `flask camps expire-offers`, `flask camps remind`."""

import click

from portal.camps.routes import bp
from portal.camps.services import expire_offers
from portal.camps.services import send_camp_reminders
from portal.camps.services import send_confirmation_reminders
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
@click.option("--days", default=2, show_default=True, type=click.IntRange(0, 60),
              help="Days before the camp starts.")  # fmt: skip
@click.option("--confirm-days", default=1, show_default=True, type=click.IntRange(0, 60),
              help="Days before an offer's time to confirm ends.")  # fmt: skip
@single_run("camps-remind")
def camps_remind(days, confirm_days):
    """Remind confirmed participants that their camp starts soon, and people offered a place
    that their time to confirm ends soon (each person once per camp and per offer)."""
    count = send_camp_reminders(days_before=days)
    offers = send_confirmation_reminders(days_before=confirm_days)
    db.session.commit()
    deliver_if_configured()
    click.echo(f"Reminded {count} participants and {offers} people offered a place.")
