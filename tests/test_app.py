"""The factory, configuration, health check, error pages and htmx rules."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from todo_web import create_app
from todo_web.config import ConfigError, load_config, normalize_database_url
from todo_web.db import get_database, get_session

from .client import Client
from .factories import make_user


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h:5432/db", "postgresql+psycopg2://u:p@h:5432/db"),
        ("postgresql://u@h/db?sslmode=require", "postgresql+psycopg2://u@h/db?sslmode=require"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_map_to_psycopg2(given: str, expected: str) -> None:
    assert normalize_database_url(given) == expected


def test_sqlite_in_instance_folder_by_default(tmp_path) -> None:
    config = load_config(tmp_path, environ={})
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'todo.sqlite3'}"


def test_settings_come_from_environment(tmp_path) -> None:
    config = load_config(
        tmp_path,
        environ={
            "DATABASE_URL": "postgres://h/db",
            "DATABASE_POOL_SIZE": "7",
            "SQL_ECHO": "true",
            "MAIL_URL": "smtp://u:p@mail:587",
            "BASE_URL": "https://todo.example/",
        },
    )
    assert config["DATABASE_URL"] == "postgresql+psycopg2://h/db"
    assert config["DATABASE_POOL_SIZE"] == 7
    assert config["SQL_ECHO"] is True
    assert config["MAIL_URL"] == "smtp://u:p@mail:587"
    assert config["BASE_URL"] == "https://todo.example"


def test_bad_number_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ConfigError, match="DATABASE_POOL_SIZE"):
        load_config(tmp_path, environ={"DATABASE_POOL_SIZE": "many"})


def test_missing_secret_key_outside_development_is_fatal(monkeypatch, database_url) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": database_url})


def test_cookies_are_secure_in_production(monkeypatch, database_url) -> None:
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x" * 32})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
    get_database(app).engine.dispose()


def test_healthz_ok(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


@pytest.fixture
def app_without_database(database_url: str, make_app: Callable[..., Flask]) -> Flask:
    """The app pointed at a database that cannot be reached (of the kind under test)."""
    if database_url.startswith("sqlite"):
        down_url = "sqlite:////nonexistent-dir/never/there.sqlite3"
    else:
        down_url = "postgresql+psycopg2://postgres@127.0.0.1:1/nothing"
    return make_app(DATABASE_URL=down_url)


def test_healthz_503_when_database_down(app_without_database: Flask) -> None:
    response = app_without_database.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] != "ok"


def test_database_outage_gives_friendly_503_page(app_without_database: Flask) -> None:
    client = app_without_database.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:token:session"  # forces a user lookup, which needs the database
    response = client.get("/tasks")
    assert response.status_code == 503
    assert "briefly unavailable" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_root_redirects_by_login_state(alice_client: Client) -> None:
    assert alice_client.get("/").headers["Location"].endswith("/tasks")
    assert alice_client.log_out().status_code == 302
    assert alice_client.get("/").headers["Location"].endswith("/auth/login")


def test_404_page_in_layout(client: Client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Not found" in body and '<meta name="csrf-token"' in body


def test_405_for_get_logout(client: Client) -> None:
    assert client.get("/auth/logout").status_code == 405


def test_500_page_without_details(make_app: Callable[..., Flask]) -> None:
    app = make_app()

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret internals" not in body
    assert "Something went wrong" in body


def test_htmx_errors_come_as_toast(client: Client) -> None:
    response = client.get("/no/such/page", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#toasts"
    assert "<html" not in response.get_data(as_text=True)


def test_logged_out_htmx_request_gets_hx_redirect(client: Client) -> None:
    response = client.get("/tasks?status=all", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/auth/login?next=")
    assert response.get_data(as_text=True) == ""


def test_post_without_csrf_token_is_400(client: Client) -> None:
    response = client.post(
        "/auth/register",
        data={"name": "A", "email": "a@example.com", "password": "x" * 10, "confirm": "x" * 10},
    )
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_layout_carries_csrf_meta_and_hx_headers(client: Client) -> None:
    body = client.get("/auth/login").get_data(as_text=True)
    assert '<meta name="csrf-token"' in body
    assert 'hx-headers=\'{"X-CSRFToken"' in body
    assert 'name="viewport"' in body
    assert "vendor/htmx.min.js" in body and "vendor/pico.min.css" in body


def test_responses_vary_on_hx_request(client: Client) -> None:
    assert "HX-Request" in client.get("/auth/login").headers["Vary"]


def test_database_session_closed_after_request(app: Flask) -> None:
    client = app.test_client()
    client.get("/auth/login")
    pool = get_database(app).engine.pool
    assert pool.checkedout() == 0  # type: ignore[attr-defined]
    with get_database(app).engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1


def test_csrf_error_for_htmx_is_toast(alice_client: Client) -> None:
    response = alice_client.post("/auth/logout", headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#toasts"


def test_submit_sends_the_token(alice_client: Client) -> None:
    response = alice_client.submit("/auth/logout")
    assert response.status_code == 302


def test_500_page_after_a_failed_statement(
    make_app: Callable[..., Flask], db_session: Session
) -> None:
    """After a failed SQL statement (PostgreSQL then refuses the rest of the transaction)
    the error page, with its sidebar counts, still renders in the layout."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/bad-sql")
    def bad_sql() -> str:
        get_session().execute(text("INSERT INTO tags (user_id, name) VALUES (999999, 'x')"))
        return "unreachable"

    make_user(db_session, "err@example.com", password="long enough")
    client: Client = app.test_client()  # type: ignore[assignment]
    assert client.log_in("err@example.com", "long enough").status_code == 302
    response = client.get("/bad-sql")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body and 'id="task-counts"' in body
