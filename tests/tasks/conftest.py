"""Fixtures for the task tests: Alice (logged in by `user_client`) and Bob, another user."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from todo_web.models import User

from ..helpers import register
from .support import token, user_named


@pytest.fixture
def alice(user_client: FlaskClient, db_session: Session) -> User:
    return user_named(db_session, "alice@example.com")


@pytest.fixture
def csrf(user_client: FlaskClient) -> str:
    return token(user_client)


@pytest.fixture
def bob_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    register(client, name="Bob", email="bob@example.com", password="battery staple")
    return client


@pytest.fixture
def bob(bob_client: FlaskClient, db_session: Session) -> User:
    return user_named(db_session, "bob@example.com")
