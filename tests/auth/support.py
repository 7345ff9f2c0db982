"""What the account tests share: reading the users table and Set-Cookie headers."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from todo_web.models import User


def user_count(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(User)) or 0


def stored_user(db_session: Session, email: str) -> User | None:
    """The row as it is now in the database, not as an earlier read left it."""
    return db_session.scalar(
        select(User).where(User.email == email).execution_options(populate_existing=True)
    )


def set_cookie(response: TestResponse, name: str) -> dict[str, str] | None:
    """The attributes of the `name` cookie the response sets, keys lower-cased:
    ``{"value": ..., "httponly": "", "samesite": "Lax", ...}``; None if it sets none."""
    for header in response.headers.getlist("Set-Cookie"):
        first, *attributes = (part.strip() for part in header.split(";"))
        key, _, value = first.partition("=")
        if key != name:
            continue
        parsed = {"value": value}
        for attribute in attributes:
            attr_name, _, attr_value = attribute.partition("=")
            parsed[attr_name.lower()] = attr_value
        return parsed
    return None
