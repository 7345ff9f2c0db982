"""Reminders and Web Push: a reminder per task, the user's reminder hour, when each
reminder fires, the browsers to notify and the queue of push messages.

Tasks gain `remind_minutes` (checked against the choices) and `reminder_by_id`. On
SQLite the foreign key rebuilds tasks (batch mode), which drops its triggers: they are
created again as the sharing migration wrote them.

Revision ID: f3a9c2d4e871
Revises: e5b8d2c6f013
Create Date: 2026-11-28 16:00:00.000000
"""

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op
from alembic.script import ScriptDirectory

revision: str = "f3a9c2d4e871"
down_revision: str | None = "e5b8d2c6f013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REMIND_CHECK = "remind_minutes IS NULL OR remind_minutes IN (0, 10, 30, 60, 1440)"
HOUR_CHECK = "reminder_hour >= 0 AND reminder_hour <= 23"


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _migration(revision_id: str) -> ModuleType:
    script = ScriptDirectory(str(Path(__file__).resolve().parent.parent))
    return script.get_revision(revision_id).module


@contextmanager
def _tasks_rebuilt() -> Iterator[object]:
    """Batch mode on tasks; on SQLite its triggers are dropped first and made again after
    (the expression index warning is harmless: lists is not rebuilt). The
    order paths' triggers come back as the lists migration wrote them.."""
    sharing = _migration("e5b8d2c6f013")
    if _is_sqlite():
        # All of them: those on list_members name tasks too, and SQLite checks them when
        # the rebuild renames the table.
        for name in sharing.SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        with op.batch_alter_table("tasks") as batch_op:
            yield batch_op
    if _is_sqlite():
        for statement in _migration("a7c3e19b5d24").SQLITE_PATHS:
            op.execute(statement)
        for name, body in sharing.SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}END")


def _queue_columns() -> list[sa.Column]:
    return [
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("reminder_hour", sa.SmallInteger(), server_default="9", nullable=False)
    )
    if not _is_sqlite():  # SQLite cannot add a constraint to a table in place
        op.create_check_constraint(op.f("ck_users_reminder_hour_valid"), "users", HOUR_CHECK)
    with _tasks_rebuilt() as batch_op:
        batch_op.add_column(sa.Column("remind_minutes", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("reminder_by_id", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f("ck_tasks_remind_minutes_valid"), REMIND_CHECK)
        batch_op.create_foreign_key(
            op.f("fk_tasks_reminder_by_id_users"),
            "users",
            ["reminder_by_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "reminders",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fire_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_reminders_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users.id"],
            name=op.f("fk_reminders_recipient_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_reminders")),
    )
    op.create_index(op.f("ix_reminders_recipient_id"), "reminders", ["recipient_id"])
    op.create_index(
        "ix_reminders_fire_at",
        "reminders",
        ["fire_at"],
        postgresql_where=sa.text("fire_at IS NOT NULL"),
        sqlite_where=sa.text("fire_at IS NOT NULL"),
    )

    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.String(length=1000), nullable=False),
        sa.Column("p256dh", sa.String(length=100), nullable=False),
        sa.Column("auth", sa.String(length=40), nullable=False),
        sa.Column("user_agent", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_push_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscriptions")),
        sa.UniqueConstraint("endpoint", name=op.f("uq_push_subscriptions_endpoint")),
    )
    op.create_index(op.f("ix_push_subscriptions_user_id"), "push_subscriptions", ["user_id"])

    op.create_table(
        "push_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        *_queue_columns(),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_push_messages_attempts_not_negative")),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["push_subscriptions.id"],
            name=op.f("fk_push_messages_subscription_id_push_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_push_messages_dedupe_key")),
    )
    op.create_index(op.f("ix_push_messages_subscription_id"), "push_messages", ["subscription_id"])
    op.create_index(
        "ix_push_messages_due",
        "push_messages",
        ["next_attempt_at", "id"],
        postgresql_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
        sqlite_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_push_messages_due", table_name="push_messages")
    op.drop_index(op.f("ix_push_messages_subscription_id"), table_name="push_messages")
    op.drop_table("push_messages")
    op.drop_index(op.f("ix_push_subscriptions_user_id"), table_name="push_subscriptions")
    op.drop_table("push_subscriptions")
    op.drop_index("ix_reminders_fire_at", table_name="reminders")
    op.drop_index(op.f("ix_reminders_recipient_id"), table_name="reminders")
    op.drop_table("reminders")
    with _tasks_rebuilt() as batch_op:
        batch_op.drop_constraint(op.f("fk_tasks_reminder_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(op.f("ck_tasks_remind_minutes_valid"), type_="check")
        batch_op.drop_column("reminder_by_id")
        batch_op.drop_column("remind_minutes")
    if not _is_sqlite():
        op.drop_constraint(op.f("ck_users_reminder_hour_valid"), "users", type_="check")
    op.drop_column("users", "reminder_hour")  # in place on SQLite 3.35+
