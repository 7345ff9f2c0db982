"""Task counts: live tasks per user, status and due date, kept by triggers on tasks.

The sidebar counts and the list total used to count a user's tasks on every page: cheap
for a thousand tasks, tens of milliseconds for fifty thousand. They now add up these rows
instead (one per status and due date in use). Triggers keep them exact for every write to
tasks, whoever makes it; the upgrade fills the table from the tasks already there.

SQLite drops a table's triggers when batch mode rebuilds it: a later migration that
rebuilds tasks on SQLite must create them again (tests/tasks/test_task_counts.py checks they
exist at head).

Revision ID: 822d4f75ec9b
Revises: f8ccbb0c8975
Create Date: 2026-11-22 00:16:44.984020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "822d4f75ec9b"
down_revision: str | None = "f8ccbb0c8975"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRES_FUNCTIONS = [
    # Add `delta` to one (user, status, due date) row; only additions create rows, so a
    # cascade delete of a whole account never inserts anything.
    """
    CREATE FUNCTION task_counts_add(p_user integer, p_status varchar, p_due date, p_delta integer)
    RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        IF p_delta > 0 THEN
            INSERT INTO task_counts (user_id, status, due_date, n)
            VALUES (p_user, p_status, p_due, p_delta)
            ON CONFLICT (user_id, status, due_date) DO UPDATE SET n = task_counts.n + EXCLUDED.n;
        ELSIF p_due IS NULL THEN
            UPDATE task_counts SET n = n + p_delta
            WHERE user_id = p_user AND status = p_status AND due_date IS NULL;
        ELSE
            UPDATE task_counts SET n = n + p_delta
            WHERE user_id = p_user AND status = p_status AND due_date = p_due;
        END IF;
    END $$
    """,
    """
    CREATE FUNCTION tasks_keep_counts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.user_id = OLD.user_id AND NEW.status = OLD.status
           AND NEW.due_date IS NOT DISTINCT FROM OLD.due_date
           AND (NEW.deleted_at IS NULL) = (OLD.deleted_at IS NULL) THEN
            RETURN NULL;
        END IF;
        -- Two rows change when a task moves (pending on the 3rd -> completed on the 3rd).
        -- Lock them in one fixed order, or a task completed while another is reopened
        -- would lock the same two rows in opposite orders: a deadlock.
        IF TG_OP = 'UPDATE' AND OLD.deleted_at IS NULL AND NEW.deleted_at IS NULL
           AND (NEW.status, coalesce(NEW.due_date, '-infinity'))
               < (OLD.status, coalesce(OLD.due_date, '-infinity')) THEN
            PERFORM task_counts_add(NEW.user_id, NEW.status, NEW.due_date, 1);
            PERFORM task_counts_add(OLD.user_id, OLD.status, OLD.due_date, -1);
            RETURN NULL;
        END IF;
        IF TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL THEN
            PERFORM task_counts_add(OLD.user_id, OLD.status, OLD.due_date, -1);
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL THEN
            PERFORM task_counts_add(NEW.user_id, NEW.status, NEW.due_date, 1);
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER tasks_keep_counts AFTER INSERT OR UPDATE OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_keep_counts()
    """,
]

# SQLite has one writer at a time, so "insert the row if missing, then add" cannot race.
_SQLITE_ADD = """
    INSERT INTO task_counts (user_id, status, due_date, n)
    SELECT {r}.user_id, {r}.status, {r}.due_date, 0
    WHERE {r}.deleted_at IS NULL AND NOT EXISTS (
        SELECT 1 FROM task_counts
        WHERE user_id = {r}.user_id AND status = {r}.status AND due_date IS {r}.due_date);
    UPDATE task_counts SET n = n + 1
    WHERE {r}.deleted_at IS NULL
      AND user_id = {r}.user_id AND status = {r}.status AND due_date IS {r}.due_date;
"""
_SQLITE_REMOVE = """
    UPDATE task_counts SET n = n - 1
    WHERE {r}.deleted_at IS NULL
      AND user_id = {r}.user_id AND status = {r}.status AND due_date IS {r}.due_date;
"""
SQLITE_TRIGGERS = [
    "CREATE TRIGGER tasks_counts_insert AFTER INSERT ON tasks BEGIN"
    + _SQLITE_ADD.format(r="NEW")
    + "END",
    "CREATE TRIGGER tasks_counts_delete AFTER DELETE ON tasks BEGIN"
    + _SQLITE_REMOVE.format(r="OLD")
    + "END",
    "CREATE TRIGGER tasks_counts_update AFTER UPDATE OF user_id, status, due_date, deleted_at "
    "ON tasks BEGIN" + _SQLITE_REMOVE.format(r="OLD") + _SQLITE_ADD.format(r="NEW") + "END",
]

BACKFILL = """
    INSERT INTO task_counts (user_id, status, due_date, n)
    SELECT user_id, status, due_date, count(*) FROM tasks
    WHERE deleted_at IS NULL GROUP BY user_id, status, due_date
"""


def upgrade() -> None:
    op.create_table(
        "task_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("n", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_task_counts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_counts")),
    )
    op.create_index(
        "uq_task_counts_user_id_status_due_date",
        "task_counts",
        ["user_id", "status", "due_date"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    statements = (
        POSTGRES_FUNCTIONS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    )
    for statement in statements:
        op.execute(statement)
    op.execute(BACKFILL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER tasks_keep_counts ON tasks")
        op.execute("DROP FUNCTION tasks_keep_counts()")
        op.execute("DROP FUNCTION task_counts_add(integer, varchar, date, integer)")
    else:
        for name in ("tasks_counts_insert", "tasks_counts_delete", "tasks_counts_update"):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index("uq_task_counts_user_id_status_due_date", table_name="task_counts")
    op.drop_table("task_counts")
