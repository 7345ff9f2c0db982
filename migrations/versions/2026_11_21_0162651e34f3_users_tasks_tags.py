"""Users, tasks, tags and task_tags: the first schema.

Revision ID: 0162651e34f3
Revises:
Create Date: 2026-11-21 23:31:06.875984
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0162651e34f3"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("notify_task_changes", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("notify_daily_digest", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("session_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lower_case")),
        sa.CheckConstraint("length(name) >= 1", name=op.f("ck_users_name_not_empty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.CheckConstraint(
            "length(name) >= 1 AND length(name) <= 50", name=op.f("ck_tags_name_length")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tags_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
    )
    # One tag name per user regardless of case; an expression index, written by hand since
    # autogenerate cannot reflect these on SQLite.
    op.create_index(
        "uq_tags_user_id_lower_name", "tags", ["user_id", sa.text("lower(name)")], unique=True
    )

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("priority", sa.SmallInteger(), server_default="2", nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("due_time", sa.Time(), nullable=True),
        sa.Column("recurrence", sa.String(length=500), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'completed') = (completed_at IS NOT NULL)",
            name=op.f("ck_tasks_completed_at_matches_status"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'in_progress', 'completed', 'cancelled')",
            name=op.f("ck_tasks_status_valid"),
        ),
        sa.CheckConstraint(
            "due_time IS NULL OR due_date IS NOT NULL", name=op.f("ck_tasks_due_time_needs_date")
        ),
        sa.CheckConstraint(
            "length(description) <= 10000", name=op.f("ck_tasks_description_length")
        ),
        sa.CheckConstraint(
            "length(title) >= 1 AND length(title) <= 200", name=op.f("ck_tasks_title_length")
        ),
        sa.CheckConstraint("priority IN (1, 2, 3)", name=op.f("ck_tasks_priority_valid")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tasks_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_deleted_at", ["deleted_at"], unique=False)
        batch_op.create_index(
            "ix_tasks_user_id_created_at", ["user_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_tasks_user_id_priority", ["user_id", "priority"], unique=False)
        batch_op.create_index(
            "ix_tasks_user_id_status_due_date", ["user_id", "status", "due_date"], unique=False
        )
        batch_op.create_index(
            "ix_tasks_user_id_updated_at", ["user_id", "updated_at"], unique=False
        )

    op.create_table(
        "task_tags",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_task_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_tags_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", "tag_id", name=op.f("pk_task_tags")),
    )
    with op.batch_alter_table("task_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_tags_tag_id"), ["tag_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("task_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_tags_tag_id"))

    op.drop_table("task_tags")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_user_id_updated_at")
        batch_op.drop_index("ix_tasks_user_id_status_due_date")
        batch_op.drop_index("ix_tasks_user_id_priority")
        batch_op.drop_index("ix_tasks_user_id_created_at")
        batch_op.drop_index("ix_tasks_deleted_at")

    op.drop_table("tasks")
    op.drop_index("uq_tags_user_id_lower_name", table_name="tags")
    op.drop_table("tags")
    op.drop_table("users")
