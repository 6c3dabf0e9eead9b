"""Training chores: `flask training recheck`."""

import click

from portal.extensions import db
from portal.notify import deliver_if_configured
from portal.runlock import single_run
from portal.training.routes import bp
from portal.training.services import recheck_all

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
