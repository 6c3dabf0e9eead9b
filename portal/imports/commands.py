"""Import chores: `flask imports sweep`."""

import click

from portal.extensions import db
from portal.imports.routes import bp
from portal.imports.services import sweep_expired
from portal.runlock import single_run

bp.cli.help = "Import chores."


@bp.cli.command("sweep")
@single_run("imports-sweep")
def imports_sweep():
    """Delete uploads (their files and refused rows) older than a day (cron, hourly)."""
    removed = sweep_expired()
    db.session.commit()
    click.echo(f"Removed {removed} uploads older than a day.")
