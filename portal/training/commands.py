"""Training chores: `flask training recheck`, `flask training remind`."""

import click

from portal.extensions import db
from portal.notify import deliver_if_configured
from portal.runlock import single_run
from portal.training.routes import bp
from portal.training.services import recheck_all
from portal.training.services import send_session_reminders

bp.cli.help = "Training chores."


@bp.cli.command("recheck")
@single_run("training-recheck")
def training_recheck():
    """Apply the completion rule again to every enrolment: completions the marks no longer
    support are taken back and their certificates flagged for an organiser (run once after
    upgrading from a version where completion never went back)."""
    changes = recheck_all()
    db.session.commit()
    deliver_if_configured()
    click.echo(
        f"Completed {changes['completed']}, taken back {changes['withdrawn']}, "
        f"certificates flagged {changes['flagged']}."
    )


@bp.cli.command("remind")
@click.option("--hours", default=24, show_default=True, type=click.IntRange(1, 24 * 14),
              help="Hours before a session starts.")  # fmt: skip
@single_run("training-remind")
def training_remind(hours):
    """Remind enrolled people of sessions starting soon (each person once per session)."""
    count = send_session_reminders(hours_before=hours)
    db.session.commit()
    deliver_if_configured()
    click.echo(f"Reminded {count} people of their sessions.")
