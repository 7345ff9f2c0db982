"""users.login_unlocked_at: when the account's owner last used a mailed unlock link
(todo_web/auth/lockout.py). The link's signature covers it, so using one retires it and
every other link mailed before.

Revision ID: b6d1e4f7a203
Revises: c5a9e2f1d384
Create Date: 2026-11-28 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b6d1e4f7a203"
down_revision: str | None = "c5a9e2f1d384"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("login_unlocked_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("users", "login_unlocked_at")
