"""Counts applied at commit, in one lock order: no deadlocks between writers (PostgreSQL).

Until now the triggers on tasks and list_members changed task_counts and the lists' open
count and version row by row, as each task was written. Two transactions writing several
tasks (two bulk actions of one user, a bulk action and a move) took those rows' locks in
the order of their tasks, so one could hold the count row of Monday and wait for Tuesday's
while the other held Tuesday's and waited for Monday's: a deadlock, which PostgreSQL ends
by failing one of them (a 503 for its user).

Now the triggers only note what changes, in `task_count_changes` (insert-only, so noting
never waits for anyone), and a deferred constraint trigger applies a transaction's notes
when it commits: the lists in id order first, then task_counts in (user, status, due date)
order, each in one statement, and the notes are deleted. Every transaction takes these
locks in the same order, after all its task rows, so none can wait for another that waits
for it.

What a transaction reads of task_counts, lists.open_count or lists.version before it
commits is therefore the state at its start (`todo_web.tasks.counts.bring_up_to_date` applies
the notes early where something must read them). SQLite writes one transaction at a time
and keeps its triggers as they were; the table exists there too, unused, so that both
databases have the same schema.

Revision ID: b8e1d5c3a207
Revises: f3a9c2d4e871
Create Date: 2026-11-28 19:30:00.000000
"""

from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op
from alembic.script import ScriptDirectory

revision: str = "b8e1d5c3a207"
down_revision: str | None = "f3a9c2d4e871"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: A 64-bit id on PostgreSQL; SQLite numbers rows only through an INTEGER primary key.
_ID_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_OPEN = "({r}.deleted_at IS NULL AND {r}.status IN ('pending', 'in_progress'))"

POSTGRES_FUNCTIONS = [
    # A change of one (user, status, due date) count, noted for the commit.
    """
    CREATE OR REPLACE FUNCTION task_counts_add(
        p_user integer, p_status varchar, p_due date, p_delta integer)
    RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO task_count_changes (tx_id, user_id, status, due_date, delta)
        VALUES (txid_current(), p_user, p_status, p_due, p_delta);
        PERFORM set_config('todo_web.counts_pending', 'yes', true);
    END $$
    """,
    # A write to one of a list's tasks: its open count may change and its version grows.
    f"""
    CREATE OR REPLACE FUNCTION tasks_keep_list_counts() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        was_open integer := CASE WHEN TG_OP <> 'INSERT' AND {_OPEN.format(r="OLD")}
                            THEN 1 ELSE 0 END;
        is_open integer := CASE WHEN TG_OP <> 'DELETE' AND {_OPEN.format(r="NEW")}
                           THEN 1 ELSE 0 END;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO task_count_changes (tx_id, list_id, open_delta)
            VALUES (txid_current(), NEW.list_id, is_open);
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO task_count_changes (tx_id, list_id, open_delta)
            VALUES (txid_current(), OLD.list_id, -was_open);
        ELSIF NEW.list_id = OLD.list_id THEN
            INSERT INTO task_count_changes (tx_id, list_id, open_delta)
            VALUES (txid_current(), NEW.list_id, is_open - was_open);
        ELSE
            INSERT INTO task_count_changes (tx_id, list_id, open_delta)
            VALUES (txid_current(), OLD.list_id, -was_open),
                   (txid_current(), NEW.list_id, is_open);
        END IF;
        PERFORM set_config('todo_web.counts_pending', 'yes', true);
        RETURN NULL;
    END $$
    """,
    # A member joins: the list's live tasks they see join their counts; one leaves: they
    # go. The member count is the list's own row, changed at once as before.
    """
    CREATE OR REPLACE FUNCTION list_members_keep_counts() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO task_count_changes (tx_id, user_id, status, due_date, delta)
            SELECT txid_current(), NEW.user_id, status, due_date, count(*) FROM tasks
            WHERE list_id = NEW.list_id AND deleted_at IS NULL
              AND (assignee_id IS NULL OR assignee_id = NEW.user_id)
            GROUP BY status, due_date;
            UPDATE lists SET member_count = member_count + 1 WHERE id = NEW.list_id;
        ELSE
            UPDATE lists SET member_count = member_count - 1 WHERE id = OLD.list_id;
            INSERT INTO task_count_changes (tx_id, user_id, status, due_date, delta)
            SELECT txid_current(), OLD.user_id, status, due_date, -count(*) FROM tasks
            WHERE list_id = OLD.list_id AND deleted_at IS NULL
              AND (assignee_id IS NULL OR assignee_id = OLD.user_id)
            GROUP BY status, due_date;
        END IF;
        PERFORM set_config('todo_web.counts_pending', 'yes', true);
        RETURN NULL;
    END $$
    """,
    # At commit (or at SET CONSTRAINTS ... IMMEDIATE): apply the transaction's notes. It
    # runs once per note; the first run applies them all and deletes them, the others
    # return at once: the notes' functions set the transaction-local setting
    # todo_web.counts_pending, and this clears it (looking for the transaction's notes
    # instead would walk the index entries of the rows just deleted, every time: an
    # import of 10,000 tasks spent half a minute so). A negative change whose row is gone
    # (its user's account was deleted in this transaction) is dropped, as the row-by-row
    # triggers did.
    """
    CREATE FUNCTION task_count_changes_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        tx bigint := txid_current();
    BEGIN
        IF coalesce(current_setting('todo_web.counts_pending', true), '') <> 'yes' THEN
            RETURN NULL;
        END IF;
        PERFORM set_config('todo_web.counts_pending', 'no', true);
        PERFORM 1 FROM lists
        WHERE id IN (SELECT list_id FROM task_count_changes
                     WHERE tx_id = tx AND list_id IS NOT NULL)
        ORDER BY id
        FOR NO KEY UPDATE;
        UPDATE lists SET version = version + 1, open_count = open_count + changed.open_delta
        FROM (
            SELECT list_id, sum(open_delta) AS open_delta FROM task_count_changes
            WHERE tx_id = tx AND list_id IS NOT NULL
            GROUP BY list_id
        ) AS changed
        WHERE lists.id = changed.list_id;
        INSERT INTO task_counts (user_id, status, due_date, n)
        SELECT changed.user_id, changed.status, changed.due_date, changed.delta
        FROM (
            SELECT user_id, status, due_date, sum(delta) AS delta FROM task_count_changes
            WHERE tx_id = tx AND user_id IS NOT NULL
            GROUP BY user_id, status, due_date
        ) AS changed
        WHERE changed.delta > 0
           OR (changed.delta < 0 AND EXISTS (
                SELECT 1 FROM task_counts AS c
                WHERE c.user_id = changed.user_id AND c.status = changed.status
                  AND c.due_date IS NOT DISTINCT FROM changed.due_date))
        ORDER BY changed.user_id, changed.status, changed.due_date
        ON CONFLICT (user_id, status, due_date) DO UPDATE SET n = task_counts.n + EXCLUDED.n;
        DELETE FROM task_count_changes WHERE tx_id = tx;
        RETURN NULL;
    END $$
    """,
    """
    CREATE CONSTRAINT TRIGGER task_count_changes_apply AFTER INSERT ON task_count_changes
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION task_count_changes_apply()
    """,
]

POSTGRES_DOWNGRADE = [
    "DROP TRIGGER task_count_changes_apply ON task_count_changes",
    "DROP FUNCTION task_count_changes_apply()",
]


def _migration(revision_id: str) -> ModuleType:
    script = ScriptDirectory(str(Path(__file__).resolve().parent.parent))
    return script.get_revision(revision_id).module


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.create_table(
        "task_count_changes",
        sa.Column("id", _ID_TYPE, nullable=False, autoincrement=True),
        sa.Column("tx_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("delta", sa.Integer(), server_default="0", nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=True),
        sa.Column("open_delta", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_count_changes")),
    )
    op.create_index(op.f("ix_task_count_changes_tx_id"), "task_count_changes", ["tx_id"])
    if _is_sqlite():
        return
    for statement in POSTGRES_FUNCTIONS:
        op.execute(statement)


def downgrade() -> None:
    if not _is_sqlite():
        for statement in POSTGRES_DOWNGRADE:
            op.execute(statement)
        # The row-by-row functions of the migrations that made them.
        op.execute(
            _migration("822d4f75ec9b")
            .POSTGRES_FUNCTIONS[0]
            .replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
        )
        sharing = _migration("e5b8d2c6f013").POSTGRES_FUNCTIONS
        for statement in sharing:
            head = statement.lstrip()
            if head.startswith("CREATE FUNCTION list_members_keep_counts") or head.startswith(
                "CREATE OR REPLACE FUNCTION tasks_keep_list_counts"
            ):
                op.execute(statement.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    op.drop_index(op.f("ix_task_count_changes_tx_id"), table_name="task_count_changes")
    op.drop_table("task_count_changes")
