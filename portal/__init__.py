"""The Jashtar portal: create_app() wires extensions, blueprints, error pages and commands."""

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS
from config import DEFAULT_SECRET_KEY


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    config_name = config_name or os.environ.get("PORTAL_ENV", "development")
    app.config.from_object(CONFIGS[config_name])
    app.config.from_pyfile("config.py", silent=True)
    # Any setting can also come from the environment as JASHTAR_<NAME> (values parsed as JSON).
    app.config.from_prefixed_env("JASHTAR")
    app.config.update(overrides)
    if config_name == "production" and app.config["SECRET_KEY"] in ("", DEFAULT_SECRET_KEY):
        raise RuntimeError(
            "Refusing to start: set SECRET_KEY in the environment or instance/config.py."
        )
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    from portal import assets
    from portal import errors
    from portal import i18n
    from portal.extensions import babel
    from portal.extensions import compress
    from portal.extensions import csrf
    from portal.extensions import db
    from portal.extensions import limiter
    from portal.extensions import login_manager
    from portal.extensions import migrate

    db.init_app(app)
    migrate.init_app(
        app, db, directory=os.path.normpath(os.path.join(app.root_path, os.pardir, "migrations"))
    )
    csrf.init_app(app)
    compress.init_app(app)
    assets.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    i18n.init_app(app)
    errors.init_app(app)

    from portal.web import init_app as init_web

    init_web(app)

    from portal.accounts.routes import bp as accounts_bp
    from portal.admin.routes import bp as admin_bp
    from portal.camps.cohort import bp as camp_cohort_bp
    from portal.camps.manage import bp as camps_manage_bp
    from portal.camps.routes import bp as camps_bp
    from portal.groups.joining import bp as group_members_bp
    from portal.groups.manage import bp as groups_manage_bp
    from portal.groups.routes import bp as groups_bp
    from portal.main.routes import bp as main_bp
    from portal.reports.routes import bp as reports_bp
    from portal.training.manage import bp as training_manage_bp
    from portal.training.routes import bp as training_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(camps_bp)
    app.register_blueprint(camps_manage_bp)
    app.register_blueprint(camp_cohort_bp)
    app.register_blueprint(training_bp)
    app.register_blueprint(training_manage_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(group_members_bp)
    app.register_blueprint(groups_manage_bp)
    app.register_blueprint(reports_bp)

    from portal import cli

    cli.register(app)
    return app
