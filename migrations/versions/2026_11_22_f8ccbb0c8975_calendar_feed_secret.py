"""Calendar feed secret: each user's private /calendar/<secret>.ics URL.

The column is added nullable, filled with a fresh random secret for every existing user, and
given a unique index. No batch mode on purpose: on SQLite a batch "recreate" of users would
drop the table, and with foreign keys on, dropping it deletes every task, tag and login
session through ON DELETE CASCADE. ADD COLUMN, CREATE INDEX and (SQLite 3.35+) DROP COLUMN
all work in place on both databases.

Revision ID: f8ccbb0c8975
Revises: 211da63bfedb
Create Date: 2026-11-22 00:03:38.726528
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f8ccbb0c8975"
down_revision: str | None = "211da63bfedb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

users = sa.table("users", sa.column("id", sa.Integer()), sa.column("calendar_secret"))


def upgrade() -> None:
    op.add_column("users", sa.Column("calendar_secret", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    user_ids = connection.scalars(sa.select(users.c.id)).all()
    if user_ids:
        connection.execute(
            sa.update(users)
            .where(users.c.id == sa.bindparam("user_id"))
            .values(calendar_secret=sa.bindparam("secret")),
            [{"user_id": user_id, "secret": secrets.token_urlsafe(32)} for user_id in user_ids],
        )
    op.create_index("uq_users_calendar_secret", "users", ["calendar_secret"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_users_calendar_secret", table_name="users")
    op.drop_column("users", "calendar_secret")
