"""The Jashtar portal: create_app() wires extensions, blueprints, error pages and commands."""

import os

from flask import Flask
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response
from werkzeug.wsgi import get_host

from config import CONFIGS
from config import DEFAULT_SECRET_KEY

#: Shortest SECRET_KEY production accepts (it signs sessions, reset links and rate-limit keys).
MIN_SECRET_KEY_LENGTH = 32
#: ... and the fewest different characters in it ("x" * 40 is long and still guessable).
MIN_SECRET_KEY_DISTINCT = 10


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    config_name = config_name or os.environ.get("PORTAL_ENV", "development")
    app.config.from_object(CONFIGS[config_name])
    app.config.from_pyfile("config.py", silent=True)
    # Any setting can also come from the environment as JASHTAR_<NAME> (values parsed as JSON).
    app.config.from_prefixed_env("JASHTAR")
    app.config.update(overrides)
    if config_name == "production":
        check_production_config(app.config)
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["PROXY_COUNT"]:
        # Only the client address and scheme come from the proxy (deploy/nginx.conf sets both and
        # passes the Host it accepted); X-Forwarded-Host/Port/Prefix are never trusted.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=0, x_port=0
        )
    if app.config["TRUSTED_HOSTS"]:
        app.wsgi_app = refuse_unknown_hosts(  # type: ignore[method-assign]
            app.wsgi_app, app.config["TRUSTED_HOSTS"]
        )

    from portal import assets
    from portal import caching
    from portal import clocks
    from portal import contact
    from portal import database
    from portal import errors
    from portal import i18n
    from portal import storage
    from portal.extensions import babel
    from portal.extensions import compress
    from portal.extensions import csrf
    from portal.extensions import db
    from portal.extensions import limiter
    from portal.extensions import login_manager
    from portal.extensions import migrate

    # Connect, statement and lock timeouts for the database in use (portal/database.py).
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(app.config)
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis", "rediss")):
        # A Redis that hangs must cost a sign-in half a second, then limits count in memory.
        timeout = app.config["RATELIMIT_REDIS_TIMEOUT"]
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        )
    db.init_app(app)
    migrate.init_app(
        app, db, directory=os.path.normpath(os.path.join(app.root_path, os.pardir, "migrations"))
    )
    csrf.init_app(app)
    compress.init_app(app)
    caching.init_app(app)
    assets.init_app(app)
    babel.init_app(app, locale_selector=i18n.selected_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    i18n.init_app(app)
    errors.init_app(app)
    storage.init_app(app)
    clocks.init_app(app)
    contact.init_app(app)
    register_health_checks()

    from portal.web import init_app as init_web

    init_web(app)

    from portal.accounts.routes import bp as accounts_bp
    from portal.admin.routes import bp as admin_bp
    from portal.broadcasts.routes import bp as broadcasts_bp
    from portal.calendars.routes import bp as calendars_bp

    # Each domain's cron commands hang on its blueprint (`flask camps …`, `flask plans …`, …).
    from portal.camps import commands as camp_commands  # noqa: F401
    from portal.camps.manage import bp as camps_manage_bp
    from portal.camps.paper.claim import bp as paper_bp
    from portal.camps.routes import bp as camps_bp
    from portal.groups import commands as group_commands  # noqa: F401
    from portal.groups.joining import bp as group_members_bp
    from portal.groups.manage import bp as groups_manage_bp
    from portal.groups.routes import bp as groups_bp
    from portal.imports import commands as import_commands  # noqa: F401
    from portal.imports.routes import bp as imports_bp
    from portal.main.outbox import bp as outbox_bp
    from portal.main.routes import bp as main_bp
    from portal.main.telegram import bp as telegram_bp
    from portal.reports import commands as report_commands  # noqa: F401
    from portal.reports.routes import bp as reports_bp
    from portal.training import commands as training_commands  # noqa: F401
    from portal.training.manage import bp as training_manage_bp
    from portal.training.routes import bp as training_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(outbox_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(camps_bp)
    app.register_blueprint(camps_manage_bp)
    app.register_blueprint(paper_bp)
    app.register_blueprint(training_bp)
    app.register_blueprint(training_manage_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(group_members_bp)
    app.register_blueprint(groups_manage_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(broadcasts_bp)
    app.register_blueprint(telegram_bp)
    app.register_blueprint(calendars_bp)
    app.register_blueprint(imports_bp)

    from portal.accounts import privacy as accounts_privacy
    from portal.broadcasts import privacy as broadcasts_privacy
    from portal.calendars import privacy as calendars_privacy
    from portal.camps import privacy as camps_privacy
    from portal.groups import privacy as groups_privacy
    from portal.imports import privacy as imports_privacy
    from portal.training import privacy as training_privacy

    # Each domain answers for its own tables when a person's data is requested or erased
    # (tests/test_privacy.py fails on any column naming a person that no domain answers for).
    for privacy in (
        accounts_privacy,
        camps_privacy,
        training_privacy,
        groups_privacy,
        broadcasts_privacy,
        calendars_privacy,
        imports_privacy,
    ):
        privacy.connect()

    from portal import transactions

    transactions.init_app(app)

    from portal import cli

    cli.register(app)
    return app


def register_health_checks() -> None:
    """What /healthz reports, in this order (another part adds itself with one line)."""
    from portal import caching
    from portal import database
    from portal import health
    from portal import outbox
    from portal import storage
    from portal.extensions import rate_limit_health

    health.register("database", database.database_health, critical=True)
    health.register("schema", database.schema_health, needs_database=True)
    health.register("rate_limits", rate_limit_health)
    health.register("cache", caching.health)
    health.register("outbox", outbox.health, needs_database=True)
    health.register("uploads", storage.health)


def check_production_config(config) -> None:
    """Refuse to start production with a weak secret, no public address or per-worker limits."""
    from portal.links import public_host

    secret = config["SECRET_KEY"] or ""
    if (
        secret == DEFAULT_SECRET_KEY
        or len(secret) < MIN_SECRET_KEY_LENGTH
        or len(set(secret)) < MIN_SECRET_KEY_DISTINCT
    ):
        raise RuntimeError(
            "Refusing to start: SECRET_KEY must be a random value of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters, e.g. python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'."
        )
    host = public_host(config["BASE_URL"] or "")
    if not host or not config["BASE_URL"].startswith(("https://", "http://")):
        raise RuntimeError(
            "Refusing to start: set BASE_URL to the portal's public address "
            "(e.g. https://jashtar.example.org); links in e-mails are built from it."
        )
    if config["SMS_BACKEND"] == "http" and not config["SMS_GATEWAY_URL"].startswith(
        ("https://", "http://")
    ):
        raise RuntimeError(
            "Refusing to start: SMS_BACKEND=http needs SMS_GATEWAY_URL (http(s)://…)."
        )
    if (
        config["TELEGRAM_BOT_NAME"]
        and config["TELEGRAM_BACKEND"] == "bot"
        and (not config["TELEGRAM_BOT_TOKEN"] or len(config["TELEGRAM_WEBHOOK_SECRET"]) < 16)
    ):
        raise RuntimeError(
            "Refusing to start: a Telegram bot needs TELEGRAM_BOT_TOKEN and a random "
            "TELEGRAM_WEBHOOK_SECRET of at least 16 characters ([A-Za-z0-9_-])."
        )
    if not config.get("TRUSTED_HOSTS"):
        extra = [name.strip().lower() for name in config["EXTRA_TRUSTED_HOSTS"].split(",")]
        config["TRUSTED_HOSTS"] = [host, *filter(None, extra)]
    if (
        config["RATELIMIT_STORAGE_URI"].startswith("memory://")
        and config["WEB_CONCURRENCY"] > 1
        and not config["RATELIMIT_ALLOW_MEMORY"]
    ):
        raise RuntimeError(
            "Refusing to start: with several workers, rate limits kept in memory are per worker. "
            "Set RATELIMIT_STORAGE_URI=redis://… (or RATELIMIT_ALLOW_MEMORY=1 for one worker)."
        )


def refuse_unknown_hosts(wsgi_app, trusted_hosts):
    """Answer 400 before Flask sees a request for a Host that is not the portal's own.

    Flask checks TRUSTED_HOSTS too, but only after it has started the request, and then its
    error page cannot build links; refusing here keeps forged hosts out of every code path.
    """

    def middleware(environ, start_response):
        try:
            get_host(environ, trusted_hosts)
        except SecurityError:
            return Response("Unknown host.", status=400, mimetype="text/plain")(
                environ, start_response
            )
        return wsgi_app(environ, start_response)

    return middleware
