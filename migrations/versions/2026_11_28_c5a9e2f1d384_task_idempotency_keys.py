"""Tasks remember the key of the create form that made them, so that the same form
submitted twice (a retry after a time-out) makes one task.

A nullable column and a unique index on (created_by_id, idempotency_key), added and
dropped in place on SQLite too: no rebuild of tasks, so its triggers stay.

Revision ID: c5a9e2f1d384
Revises: b8e1d5c3a207
Create Date: 2026-11-28 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c5a9e2f1d384"
down_revision: str | None = "b8e1d5c3a207"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("idempotency_key", sa.String(length=64), nullable=True))
    op.create_index(
        "uq_tasks_created_by_id_idempotency_key",
        "tasks",
        ["created_by_id", "idempotency_key"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_tasks_created_by_id_idempotency_key", table_name="tasks")
    # Plain ALTER TABLE on both databases (SQLite 3.35 and later): batch mode would rebuild
    # tasks on SQLite and drop its triggers.
    op.execute("ALTER TABLE tasks DROP COLUMN idempotency_key")
