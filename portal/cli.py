"""Command-line tasks: accounts, demo data, the outbox and translations."""

import subprocess
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext

from portal.accounts import services
from portal.accounts.models import User
from portal.accounts.validators import normalise_email
from portal.accounts.validators import normalise_phone
from portal.extensions import db
from portal.notify import deliver_if_configured
from portal.notify import deliver_pending
from portal.security import Role
from portal.translit import to_latin

outbox = AppGroup("outbox", help="The e-mail outbox.")
camps = AppGroup("camps", help="Camp chores to run from cron.")
plans = AppGroup("plans", help="Action plan chores to run from cron.")
translate = AppGroup("translate", help="Extract, update and compile the translations.")

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = ROOT / "messages.pot"


def as_request():
    """A request context for commands, so links in mail point at BASE_URL and writes lock."""
    return current_app.test_request_context(base_url=current_app.config["BASE_URL"], method="POST")


def register(app) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(outbox)
    app.cli.add_command(translate)
    app.cli.add_command(camps)
    app.cli.add_command(plans)


@click.command("create-user")
@with_appcontext
@click.option("--name", "full_name", required=True, help="Full name as written.")
@click.option("--email", default=None)
@click.option("--phone", default=None)
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice([role.value for role in Role]),
    default=["youth"],
    show_default=True,
)
@click.option("--locale", default="ky", show_default=True)
@click.password_option()
def create_user(full_name, email, phone, roles, locale, password):
    """Create an account (staff accounts need no registration form)."""
    email = normalise_email(email) if email else None
    phone = normalise_phone(phone) if phone else None
    if not email and not phone:
        raise click.UsageError("Give a valid --email or a Kyrgyz --phone.")
    if services.email_taken(email) or services.phone_taken(phone):
        raise click.UsageError("An account with this e-mail or phone already exists.")
    user = services.create_user(
        full_name=full_name,
        email=email,
        phone=phone,
        password=password,
        roles={Role(value) for value in roles},
        locale=locale,
    )
    db.session.commit()
    click.echo(f"Created user {user.id} with roles {', '.join(sorted(roles))}.")


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has accounts.")
def seed_demo(if_empty):
    """Fill the database with the demo programme (never in production)."""
    from portal.demo import DEMO_PASSWORD
    from portal.demo import seed

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("seed-demo refuses to run with the production configuration.")
    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        click.echo("The database already has accounts; demo data not added.")
        return
    with as_request():
        logins = seed()
        db.session.commit()
    click.echo(f"Demo data ready. Every demo login uses the password {DEMO_PASSWORD}")
    for email, roles in logins:
        click.echo(f"  {email:32} {roles}")


@outbox.command("send")
@click.option("--limit", default=100, show_default=True)
def outbox_send(limit):
    """Deliver pending e-mails; failures are retried on the next run, then kept as failed."""
    sent, failed = deliver_pending(limit)
    click.echo(f"Sent {sent}, failed {failed}.")
    if failed:
        sys.exit(1)


@camps.command("expire-offers")
def camps_expire_offers():
    """Decline offers not confirmed in time and offer the places to the waiting lists."""
    from portal.camps.services import expire_offers

    with as_request():
        expired = expire_offers()
        db.session.commit()
    deliver_if_configured()
    click.echo(f"Expired {len(expired)} offers.")


@camps.command("remind")
@click.option("--days", default=2, show_default=True, help="Days before the camp starts.")
def camps_remind(days):
    """Remind confirmed participants that their camp starts soon (each person once)."""
    from portal.camps.services import send_camp_reminders

    with as_request():
        count = send_camp_reminders(days_before=days)
        db.session.commit()
    deliver_if_configured()
    click.echo(f"Reminded {count} participants.")


@plans.command("remind-progress")
def plans_remind_progress():
    """Remind groups whose approved plan has had no progress update for 30 days."""
    from portal.groups.services import remind_overdue_progress

    with as_request():
        count = remind_overdue_progress()
        db.session.commit()
    deliver_if_configured()
    click.echo(f"Reminded {count} groups.")


def _run(*args: str) -> None:
    subprocess.run(args, check=True, cwd=ROOT)


@translate.command("extract")
def translate_extract():
    """Extract the messages of the sources into messages.pot."""
    _run(sys.executable, "-m", "babel.messages.frontend", *extract_args(POT))


def extract_args(output: Path) -> list[str]:
    return [
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "-k",
        "_nl:1,2",
        "-k",
        "_lp:1c,2",
        "--no-location",
        "--sort-output",
        "--omit-header",
        "-o",
        str(output),
        "portal",
    ]


@translate.command("update")
@click.pass_context
def translate_update(ctx):
    """Extract, then merge new messages into the ky, ru and uz_Cyrl catalogues."""
    ctx.invoke(translate_extract)
    _run(
        sys.executable, "-m", "babel.messages.frontend", "update",
        "-i", str(POT), "-d", str(TRANSLATIONS), "--no-fuzzy-matching", "--ignore-obsolete",
        "--width", "100",
    )  # fmt: skip
    POT.unlink()


@translate.command("compile")
def translate_compile():
    """Generate uz_Latn from uz_Cyrl, then compile every catalogue to .mo."""
    generate_uz_latn()
    _run(sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(TRANSLATIONS))


def generate_uz_latn() -> Path:
    """Write translations/uz_Latn/LC_MESSAGES/messages.po, transliterated from uz_Cyrl."""
    from babel.messages.pofile import read_po
    from babel.messages.pofile import write_po

    source = TRANSLATIONS / "uz_Cyrl" / "LC_MESSAGES" / "messages.po"
    target = TRANSLATIONS / "uz_Latn" / "LC_MESSAGES" / "messages.po"
    with source.open("rb") as handle:
        catalog = read_po(handle, locale="uz_Cyrl")
    catalog.locale = "uz_Latn"
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.string, (list, tuple)):
            message.string = tuple(to_latin(text) for text in message.string)
        else:
            message.string = to_latin(message.string)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_po(handle, catalog, width=100)
    return target
