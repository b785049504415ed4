"""Flask blueprints: thin views (form -> domain -> sheets -> redirect)."""
from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from views import formatting, lists_cache

csrf = CSRFProtect()


def register_views(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(app.root_path + "/templates"),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    csrf.init_app(app)
    WTFormsHelpers(app)
    formatting.register(app)
    lists_cache.register(app)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from views import health, public
    app.register_blueprint(public.bp)
    app.register_blueprint(health.bp)

    from views import dashboard
    app.register_blueprint(dashboard.bp)

    from views import challenges, compliance, lists, navigation, raising
    app.register_blueprint(challenges.bp)
    app.register_blueprint(raising.bp)
    app.register_blueprint(compliance.bp)
    app.register_blueprint(lists.bp)
    app.context_processor(navigation.service_navigation)
    from views import records
    app.context_processor(records.sheet_age)

    from views import security, sessions, sign_in
    security.init_security(app)
    app.register_blueprint(sign_in.bp)
    app.register_blueprint(sessions.bp)

    from views import access_log, information, subject_access
    app.register_blueprint(information.bp)
    app.register_blueprint(subject_access.bp)
    access_log.init_access_log(app)
