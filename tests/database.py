"""Test databases: a fresh PostgreSQL database (TEST_DATABASE_URL) or SQLite file, built
through the Alembic migrations, never `create_all`."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from todo_web.config import normalize_database_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def server_url() -> str | None:
    """The PostgreSQL server the tests may create databases on, if any."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    return normalize_database_url(url) if url else None


def is_postgres() -> bool:
    return server_url() is not None


@contextmanager
def fresh_database(tmp_dir: Path) -> Iterator[str]:
    """A new, empty database, dropped afterwards; yields its URL."""
    base = server_url()
    if base is None:
        path = tmp_dir / f"todo_test_{uuid.uuid4().hex[:8]}.sqlite3"
        yield f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = f"todo_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def alembic_config(url: str) -> Config:
    config = Config(toml_file=PROJECT_ROOT / "pyproject.toml")
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
