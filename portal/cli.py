"""Command-line tasks: accounts, demo data, the outbox, uploads and translations."""

# Only the Babel tools, with fixed arguments.
import subprocess  # nosec B404
import sys
from datetime import timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext

from portal import notify  # noqa: F401  (registers the e-mail channel)
from portal import outbox as outbox_machinery
from portal.accounts import services
from portal.accounts.models import User
from portal.accounts.validators import normalise_email
from portal.accounts.validators import normalise_phone
from portal.audit import audit_event
from portal.extensions import db
from portal.runlock import single_run
from portal.security import Role
from portal.translit import to_latin

outbox = AppGroup("outbox", help="The outbox: messages waiting to be delivered.")
telegram_group = AppGroup("telegram", help="The Telegram bot: its webhook.")
retention = AppGroup("retention", help="Keeping personal data no longer than needed.")
uploads = AppGroup("uploads", help="The upload store (consent scans).")
translate = AppGroup("translate", help="Extract, update and compile the translations.")

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = ROOT / "messages.pot"


def register(app) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_reset)
    app.cli.add_command(outbox)
    app.cli.add_command(telegram_group)
    app.cli.add_command(translate)
    app.cli.add_command(retention)
    app.cli.add_command(uploads)
    app.cli.add_command(backup)
    app.cli.add_command(restore)


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
    try:
        user = services.create_user(
            full_name=full_name,
            email=email,
            phone=phone,
            password=password,
            roles={Role(value) for value in roles},
            locale=locale,
        )
    except services.AccountError as error:
        raise click.UsageError(str(error)) from error
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
    logins = seed()
    db.session.commit()
    click.echo(f"Demo data ready. Every demo login uses the password {DEMO_PASSWORD}")
    for email, roles in logins:
        click.echo(f"  {email:32} {roles}")


@click.command("demo-reset")
@with_appcontext
def demo_reset():
    """Start the demo afresh: delete the SQLite demo database (DEMO_DATABASE_FILE,
    instance/portal.db), migrate and seed it again. Refuses any other database."""
    from flask_migrate import upgrade

    from portal.demo import DEMO_PASSWORD
    from portal.demo import seed

    config = current_app.config
    if config["ENV_NAME"] == "production":
        raise click.ClickException("demo-reset refuses to run with the production configuration.")
    demo_file = Path(config["DEMO_DATABASE_FILE"]).resolve()
    # The engine's URL, not the setting: Flask-SQLAlchemy puts a relative SQLite path in the
    # instance folder, so `sqlite:///instance/portal.db` is another file than the demo's.
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        chosen = None
    else:
        chosen = Path(url.database).resolve()
    if chosen != demo_file:
        raise click.ClickException(
            f"demo-reset only rebuilds the demo database {demo_file}; this configuration uses "
            f"{url.render_as_string(hide_password=True)} (DATABASE_URL). Nothing was changed."
        )
    db.session.remove()
    db.engine.dispose()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{demo_file}{suffix}").unlink(missing_ok=True)
    demo_file.parent.mkdir(parents=True, exist_ok=True)
    upgrade()
    logins = seed()
    db.session.commit()
    click.echo(
        f"Demo database {demo_file} made afresh. Password for every demo login: {DEMO_PASSWORD}"
    )
    for email, roles in logins:
        click.echo(f"  {email:32} {roles}")


def _chosen_channels(name: str | None) -> list[outbox_machinery.Channel]:
    if name is None:
        return outbox_machinery.channels()
    try:
        return [outbox_machinery.channel(name)]
    except KeyError:
        raise click.UsageError(f"No channel {name!r}.") from None


CHANNEL_OPTION = click.option(
    "--channel", default=None, help="Only this channel (e.g. email); all by default."
)


@outbox.command("send")
@click.option("--limit", default=100, show_default=True, help="Messages per channel at most.")
@CHANNEL_OPTION
def outbox_send(limit, channel):
    """Deliver the messages that are due (for cron, e.g. every minute). A failed message is
    tried again after 1 min, 5 min, 30 min, 2 h, 6 h and 15 h, then kept as failed."""
    sent = failed = gave_up = 0
    for chosen in _chosen_channels(channel):
        result = outbox_machinery.deliver_due(chosen, limit=limit)
        sent, failed, gave_up = sent + result.sent, failed + result.failed, gave_up + result.gave_up
    click.echo(f"Sent {sent}, failed {failed}.")
    if gave_up:
        click.echo(f"Given up on {gave_up} (see `flask outbox requeue`).")
    if failed:
        sys.exit(1)


@outbox.command("work")
@click.option(
    "--interval", type=float, default=None, help="Seconds to sleep when nothing is due "
    "(OUTBOX_WORK_INTERVAL, 10)."
)  # fmt: skip
@CHANNEL_OPTION
def outbox_work(interval, channel):
    """Deliver messages as they fall due until stopped (SIGTERM or SIGINT finish the message
    under way, then exit)."""
    from portal.outbox_worker import Worker

    interval = interval if interval is not None else current_app.config["OUTBOX_WORK_INTERVAL"]
    worker = Worker(_chosen_channels(channel), interval=interval, echo=click.echo)
    worker.run()


@telegram_group.command("set-webhook")
def telegram_set_webhook():
    """Tell Telegram to post the bot's updates to BASE_URL/telegram/webhook with the secret
    TELEGRAM_WEBHOOK_SECRET (run once after deploying, and when BASE_URL changes)."""
    from portal import telegram
    from portal.outbox import DeliveryError

    if not telegram.enabled() or not current_app.config["TELEGRAM_BOT_TOKEN"]:
        raise click.UsageError("Set TELEGRAM_BOT_NAME and TELEGRAM_BOT_TOKEN first.")
    try:
        answer = telegram.set_webhook()
    except DeliveryError as error:
        raise click.ClickException(f"Telegram answered: {error.answer}") from error
    click.echo(f"Telegram: {answer.get('description') or answer}")


@telegram_group.command("start")
@click.argument("code")
@click.option("--chat-id", type=int, default=1000001, show_default=True)
def telegram_start(code, chat_id):
    """Development without a public address: act as if the bot received "/start CODE" (the
    code from the "Open Telegram" link of the profile) from chat CHAT_ID."""
    from portal import telegram

    outcome = telegram.handle_update(
        {"message": {"text": f"/start {code}", "chat": {"id": chat_id, "type": "private"}}}
    )
    db.session.commit()
    click.echo(outcome)


@outbox.command("requeue")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "every", is_flag=True, help="Every failed message.")
@CHANNEL_OPTION
def outbox_requeue(ids, every, channel):
    """Put failed messages (the IDS given, or --all) back in the queue, due now."""
    if bool(ids) == every:
        raise click.UsageError("Give the ids of failed messages, or --all.")
    chosen_channels = _chosen_channels(channel)
    if ids and len(chosen_channels) > 1:
        raise click.UsageError("Ids belong to one channel: give --channel too.")
    count = 0
    for chosen in chosen_channels:
        requeued = outbox_machinery.requeue(chosen, ids or None)
        count += requeued
        if ids:
            audit_event("outbox.requeued", channel=chosen.name, count=requeued, ids=list(ids))
        else:
            audit_event("outbox.requeued_all", channel=chosen.name, count=requeued)
    db.session.commit()
    click.echo(f"Requeued {count}.")


@retention.command("apply")
@click.option("--days", type=int, default=None, help="Defaults to RETENTION_DAYS (365).")
@click.option(
    "--sensitive-days",
    type=click.IntRange(min=0),
    default=None,
    help="Defaults to CAMP_SENSITIVE_RETENTION_DAYS (90).",
)
@single_run("retention-apply")
def retention_apply(days, sensitive_days):
    """Clear the answers of people never accepted, once their camp ended over DAYS ago, and
    everyone's health needs, emergency and guardian contacts and consent scans once their camp
    ended over SENSITIVE_DAYS ago. Running it again changes nothing more."""
    from portal.camps.privacy import apply_retention
    from portal.camps.privacy import apply_sensitive_retention

    config = current_app.config
    count = apply_retention(days if days is not None else config["RETENTION_DAYS"])
    sensitive = apply_sensitive_retention(
        sensitive_days if sensitive_days is not None else config["CAMP_SENSITIVE_RETENTION_DAYS"]
    )
    db.session.commit()  # the consent scans are deleted only now, after the commit
    click.echo(f"Cleared {count} applications.")
    click.echo(f"Cleared health needs, contacts and consent scans of {sensitive} applications.")


@uploads.command("sweep")
@click.option(
    "--hours", type=click.FloatRange(min=1), default=1, show_default=True,
    help="Only files written longer ago than this (a request may still be committing one).",
)  # fmt: skip
@single_run("uploads-sweep")
def uploads_sweep(hours):
    """Delete stored files no record names: left when a worker died between storing a scan and
    committing its record (cron, daily)."""
    from portal.uploads import sweep_orphans

    removed = sweep_orphans(older_than=timedelta(hours=hours))
    click.echo(f"Removed {len(removed)} files no record names.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
@single_run("backup")
def backup(path):
    """Write the database and every upload to the archive PATH (see portal/backups.py)."""
    from portal.backups import BackupError
    from portal.backups import create_backup
    from portal.storage import StorageError

    try:
        summary = create_backup(path)
    except (BackupError, StorageError) as error:
        raise click.ClickException(f"No backup was made: {_reason(error)}") from error
    click.echo(
        f"Backed up to {path}: schema {summary.revision}, {summary.total_rows} rows in "
        f"{len(summary.rows)} tables, {summary.files} uploaded files."
    )


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--force", is_flag=True, help="Replace a database (and upload store) that holds data."
)
@click.option("--yes", is_flag=True, help="Do not ask before replacing the data (with --force).")
@with_appcontext
def restore(path, force, yes):
    """Restore a backup made by `flask backup` into an empty database, then migrate it."""
    from portal.backups import BackupError
    from portal.backups import restore_backup
    from portal.storage import StorageError

    if force and not yes:
        click.confirm(
            "This replaces every record and uploaded file with the backup. Continue?", abort=True
        )
    try:
        restored = restore_backup(path, force=force)
    except (BackupError, StorageError, sa.exc.SQLAlchemyError) as error:
        raise click.ClickException(f"Nothing was restored: {_reason(error)}") from error
    click.echo(
        f"Restored from {path}: {sum(restored.rows.values())} rows in {len(restored.rows)} "
        f"tables and {restored.files} uploaded files, at schema {restored.revision}, "
        f"migrated to {restored.migrated_to}; constraints and indexes checked."
    )


def _reason(error: Exception) -> str:
    from portal.storage import StorageError

    if isinstance(error, StorageError):
        return f"the upload store failed ({error.reason})"
    if isinstance(error, sa.exc.SQLAlchemyError):
        # The first line names the constraint; the DETAIL line after it would name a person.
        first = str(getattr(error, "orig", None) or type(error).__name__).splitlines()[0]
        return f"the database refused the backup's rows ({first})"
    return str(error)


def _run(*args: str) -> None:
    subprocess.run(args, check=True, cwd=ROOT)  # nosec B603


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
        # Babel skips folders starting with "_" by default, and templates/_macros holds strings.
        "--ignore-dirs",
        ".* __pycache__",
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
    normalise_catalogues()


def normalise_catalogues() -> None:
    """Rewrite the catalogues in polib's layout (78 columns), the one they are committed in, so
    a change of one message is a diff of that message, not of every wrapped line."""
    try:
        import polib
    except ImportError:  # polib is a development dependency; the catalogues stay valid anyway
        return
    for locale in ("ky", "ru", "uz_Cyrl"):
        path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        polib.pofile(str(path)).save(str(path))


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
            message.string = to_latin(message.string or "")
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_po(handle, catalog, width=100)
    return target
