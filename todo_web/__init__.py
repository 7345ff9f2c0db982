"""todo-web: the application factory."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, redirect, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from . import assets, background, db, ratelimit, reminders, security, toasts
from .config import INSTANCE_PATH, PROJECT_ROOT, ConfigError, load_environment_config
from .errors import register_error_handlers
from .htmx import add_csrf_token_header, add_vary_header
from .request import Request
from .routing import DatabaseIdConverter

csrf = CSRFProtect()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, then `config` on top."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(INSTANCE_PATH),
    )
    app.request_class = Request  # no NUL in form fields and query parameters
    # Before any route is added: every <int:...> in a route is a database id.
    app.url_map.converters["int"] = DatabaseIdConverter
    app.config.update(load_environment_config())
    if config:
        app.config.update(config)
    _finish_config(app)

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    database = db.init_app(app)
    reminders.install()
    csrf.init_app(app)
    security.init_app(app)
    assets.init_app(app)
    ratelimit.init_app(app)
    toasts.init_app(app)

    from .auth import bp as auth_bp
    from .auth import init_login_manager, login_cache
    from .data import bp as data_bp
    from .health import bp as health_bp
    from .lists.sharing_views import bp as sharing_bp
    from .lists.views import bp as lists_bp
    from .mail import init_app as init_mail
    from .push import init_app as init_push
    from .pwa import bp as pwa_bp
    from .settings import bp as settings_bp
    from .tasks import bp as tasks_bp

    init_login_manager(app)
    login_cache.init_app(app, database.session_factory)
    app.register_blueprint(auth_bp)
    app.register_blueprint(tasks_bp)
    app.register_blueprint(lists_bp)
    app.register_blueprint(sharing_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(settings_bp)
    app.register_blueprint(data_bp)
    app.register_blueprint(pwa_bp)
    init_mail(app)
    init_push(app)
    background.init_app(app)
    from .seed import seed_command
    from .tasks.cli import purge_deleted_command

    app.cli.add_command(seed_command)
    app.cli.add_command(purge_deleted_command)
    register_error_handlers(app)
    app.after_request(add_vary_header)
    app.after_request(add_csrf_token_header)

    @app.get("/")
    def home() -> Response:
        return redirect(url_for("tasks.index" if current_user.is_authenticated else "auth.login"))

    return app


def _finish_config(app: Flask) -> None:
    """Settings that depend on each other or on the mode the app runs in."""
    config = app.config
    relaxed = app.debug or app.testing
    if not config.get("SECRET_KEY"):
        if not relaxed:
            raise ConfigError(
                "SECRET_KEY is not set. Set it to a long random string, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        config["SECRET_KEY"] = _development_secret_key(Path(app.instance_path))
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = not relaxed
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        # A page left open for hours must still be able to post.
        WTF_CSRF_TIME_LIMIT=None,
    )
    if config["DATABASE_URL"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)


def _development_secret_key(instance_path: Path) -> str:
    """A key kept in the instance folder, so development sessions survive a restart."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "development-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
    return key_file.read_text().strip()
