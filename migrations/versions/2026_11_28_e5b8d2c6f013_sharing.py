"""Sharing: list members and invitations, assignees, who made and completed a task, and
task counts per member.

Every list gets its owner as a member (role "owner"); `lists.member_count` counts them
(kept by the triggers on list_members), so a page knows without a query whether a list
is shared. Tasks gain `assignee_id`,
`created_by_id` (filled with the list owner, who made every task so far) and
`completed_by_id` (the owner, for tasks completed so far). `lists.version` grows with
every write to a list's tasks, so that a page's poll can tell whether anything changed.

task_counts now holds, for each member of a list, the list's live tasks that are not
assigned to someone else: the triggers on tasks add a change to every such member, and
triggers on list_members add a list's tasks to a new member and take them away from one
who leaves. The rows already there stay right: every list had one member, its owner.

On SQLite, adding the foreign keys rebuilds tasks (batch mode), which drops its triggers;
they are all created again here, and the downgrade's rebuild brings back the earlier ones.

Revision ID: e5b8d2c6f013
Revises: a7c3e19b5d24
Create Date: 2026-11-28 13:00:00.000000
"""

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op
from alembic.script import ScriptDirectory

revision: str = "e5b8d2c6f013"
down_revision: str | None = "a7c3e19b5d24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = "({r}.deleted_at IS NULL AND {r}.status IN ('pending', 'in_progress'))"

POSTGRES_FUNCTIONS = [
    # Every member of the list who sees the task in their counts: all of them, or only
    # its assignee. In user order, so that two writers lock count rows in the same order.
    """
    CREATE FUNCTION task_counts_add_members(
        p_list integer, p_assignee integer, p_status varchar, p_due date, p_delta integer)
    RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
        member integer;
    BEGIN
        FOR member IN
            SELECT user_id FROM list_members
            WHERE list_id = p_list AND (p_assignee IS NULL OR user_id = p_assignee)
            ORDER BY user_id
        LOOP
            PERFORM task_counts_add(member, p_status, p_due, p_delta);
        END LOOP;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION tasks_keep_counts() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        member integer;
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.list_id = OLD.list_id AND NEW.status = OLD.status
           AND NEW.due_date IS NOT DISTINCT FROM OLD.due_date
           AND NEW.assignee_id IS NOT DISTINCT FROM OLD.assignee_id
           AND (NEW.deleted_at IS NULL) = (OLD.deleted_at IS NULL) THEN
            RETURN NULL;
        END IF;
        -- A task changing status or due date changes two rows of each member who counts
        -- it. Lock them in one fixed order (member, then status and date), or a task
        -- completed while another is reopened would lock rows in opposite orders.
        IF TG_OP = 'UPDATE' AND OLD.deleted_at IS NULL AND NEW.deleted_at IS NULL
           AND NEW.list_id = OLD.list_id
           AND NEW.assignee_id IS NOT DISTINCT FROM OLD.assignee_id THEN
            FOR member IN
                SELECT user_id FROM list_members
                WHERE list_id = NEW.list_id
                  AND (NEW.assignee_id IS NULL OR user_id = NEW.assignee_id)
                ORDER BY user_id
            LOOP
                IF (NEW.status, coalesce(NEW.due_date, '-infinity'))
                   < (OLD.status, coalesce(OLD.due_date, '-infinity')) THEN
                    PERFORM task_counts_add(member, NEW.status, NEW.due_date, 1);
                    PERFORM task_counts_add(member, OLD.status, OLD.due_date, -1);
                ELSE
                    PERFORM task_counts_add(member, OLD.status, OLD.due_date, -1);
                    PERFORM task_counts_add(member, NEW.status, NEW.due_date, 1);
                END IF;
            END LOOP;
            RETURN NULL;
        END IF;
        IF TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL THEN
            PERFORM task_counts_add_members(
                OLD.list_id, OLD.assignee_id, OLD.status, OLD.due_date, -1);
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL THEN
            PERFORM task_counts_add_members(
                NEW.list_id, NEW.assignee_id, NEW.status, NEW.due_date, 1);
        END IF;
        RETURN NULL;
    END $$
    """,
    # A member joins: the list's live tasks they see join their counts; one leaves: they
    # go. (The app unassigns a leaving member's tasks first.)
    """
    CREATE FUNCTION list_members_keep_counts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO task_counts (user_id, status, due_date, n)
            SELECT NEW.user_id, status, due_date, count(*) FROM tasks
            WHERE list_id = NEW.list_id AND deleted_at IS NULL
              AND (assignee_id IS NULL OR assignee_id = NEW.user_id)
            GROUP BY status, due_date
            ORDER BY status, due_date
            ON CONFLICT (user_id, status, due_date) DO UPDATE SET n = task_counts.n + EXCLUDED.n;
            UPDATE lists SET member_count = member_count + 1 WHERE id = NEW.list_id;
        ELSE
            UPDATE lists SET member_count = member_count - 1 WHERE id = OLD.list_id;
            UPDATE task_counts SET n = task_counts.n - leaving.n
            FROM (
                SELECT status, due_date, count(*) AS n FROM tasks
                WHERE list_id = OLD.list_id AND deleted_at IS NULL
                  AND (assignee_id IS NULL OR assignee_id = OLD.user_id)
                GROUP BY status, due_date
            ) AS leaving
            WHERE task_counts.user_id = OLD.user_id AND task_counts.status = leaving.status
              AND task_counts.due_date IS NOT DISTINCT FROM leaving.due_date;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER list_members_keep_counts AFTER INSERT OR DELETE ON list_members
    FOR EACH ROW EXECUTE FUNCTION list_members_keep_counts()
    """,
    # The list's open count, as before, and now its version, in one UPDATE per list.
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
            UPDATE lists SET version = version + 1, open_count = open_count + is_open
            WHERE id = NEW.list_id;
        ELSIF TG_OP = 'DELETE' THEN
            UPDATE lists SET version = version + 1, open_count = open_count - was_open
            WHERE id = OLD.list_id;
        ELSIF NEW.list_id = OLD.list_id THEN
            UPDATE lists SET version = version + 1,
                open_count = open_count + is_open - was_open
            WHERE id = NEW.list_id;
        -- A task moving between two lists: lowest id first, so that two moves in
        -- opposite directions cannot deadlock.
        ELSIF NEW.list_id < OLD.list_id THEN
            UPDATE lists SET version = version + 1, open_count = open_count + is_open
            WHERE id = NEW.list_id;
            UPDATE lists SET version = version + 1, open_count = open_count - was_open
            WHERE id = OLD.list_id;
        ELSE
            UPDATE lists SET version = version + 1, open_count = open_count - was_open
            WHERE id = OLD.list_id;
            UPDATE lists SET version = version + 1, open_count = open_count + is_open
            WHERE id = NEW.list_id;
        END IF;
        RETURN NULL;
    END $$
    """,
]

# A new list's owner is its first member, whatever makes the list (the app, the seed).
OWNER_MEMBER = (
    "INSERT INTO list_members (list_id, user_id, role, created_at) "
    "VALUES (NEW.id, NEW.owner_id, 'owner', NEW.created_at)"
)
POSTGRES_OWNER_MEMBER = [
    f"""
    CREATE FUNCTION lists_add_owner_member() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {OWNER_MEMBER};
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER lists_add_owner_member AFTER INSERT ON lists
    FOR EACH ROW EXECUTE FUNCTION lists_add_owner_member()
    """,
]

POSTGRES_DOWNGRADE = [
    "DROP TRIGGER lists_add_owner_member ON lists",
    "DROP FUNCTION lists_add_owner_member()",
    "DROP TRIGGER list_members_keep_counts ON list_members",
    "DROP FUNCTION list_members_keep_counts()",
    "DROP FUNCTION task_counts_add_members(integer, integer, varchar, date, integer)",
]

# SQLite: one writer at a time, so "insert the rows missing, then add" cannot race.
_COUNTERS = (
    "SELECT m.user_id FROM list_members AS m WHERE m.list_id = {r}.list_id "
    "AND ({r}.assignee_id IS NULL OR {r}.assignee_id = m.user_id)"
)
_SQLITE_ADD = (
    "INSERT INTO task_counts (user_id, status, due_date, n) "
    "SELECT counter.user_id, {r}.status, {r}.due_date, 0 FROM (" + _COUNTERS + ") AS counter "
    "WHERE {r}.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM task_counts AS c "
    "WHERE c.user_id = counter.user_id AND c.status = {r}.status "
    "AND c.due_date IS {r}.due_date); "
    "UPDATE task_counts SET n = n + 1 WHERE {r}.deleted_at IS NULL "
    "AND status = {r}.status AND due_date IS {r}.due_date AND user_id IN (" + _COUNTERS + "); "
)
_SQLITE_REMOVE = (
    "UPDATE task_counts SET n = n - 1 WHERE {r}.deleted_at IS NULL "
    "AND status = {r}.status AND due_date IS {r}.due_date AND user_id IN (" + _COUNTERS + "); "
)
_MEMBER_TASKS = (
    "FROM tasks AS t WHERE t.list_id = {r}.list_id AND t.deleted_at IS NULL "
    "AND (t.assignee_id IS NULL OR t.assignee_id = {r}.user_id)"
)
_SQLITE_MEMBER_COUNT = (
    "UPDATE task_counts SET n = n {sign} (SELECT count(*) "
    + _MEMBER_TASKS
    + " AND t.status = task_counts.status AND t.due_date IS task_counts.due_date) "
    "WHERE user_id = {r}.user_id; "
)
_SQLITE_LIST_ROW = (
    "UPDATE lists SET version = version + 1, open_count = open_count {sign} " + _OPEN + " "
    "WHERE id = {r}.list_id; "
)
SQLITE_TRIGGERS = {
    "tasks_counts_insert": "AFTER INSERT ON tasks BEGIN " + _SQLITE_ADD.format(r="NEW"),
    "tasks_counts_delete": "AFTER DELETE ON tasks BEGIN " + _SQLITE_REMOVE.format(r="OLD"),
    "tasks_counts_update": (
        "AFTER UPDATE OF list_id, status, due_date, deleted_at, assignee_id ON tasks BEGIN "
        + _SQLITE_REMOVE.format(r="OLD")
        + _SQLITE_ADD.format(r="NEW")
    ),
    "list_members_counts_insert": (
        "AFTER INSERT ON list_members BEGIN "
        "UPDATE lists SET member_count = member_count + 1 WHERE id = NEW.list_id; "
        "INSERT INTO task_counts (user_id, status, due_date, n) "
        "SELECT NEW.user_id, t.status, t.due_date, 0 "
        + _MEMBER_TASKS.format(r="NEW")
        + " AND NOT EXISTS (SELECT 1 FROM task_counts AS c WHERE c.user_id = NEW.user_id "
        "AND c.status = t.status AND c.due_date IS t.due_date) GROUP BY t.status, t.due_date; "
        + _SQLITE_MEMBER_COUNT.format(r="NEW", sign="+")
    ),
    "list_members_counts_delete": (
        "AFTER DELETE ON list_members BEGIN "
        "UPDATE lists SET member_count = member_count - 1 WHERE id = OLD.list_id; "
        + _SQLITE_MEMBER_COUNT.format(r="OLD", sign="-")
    ),
    "lists_add_owner_member": f"AFTER INSERT ON lists BEGIN {OWNER_MEMBER}; ",
    "tasks_list_counts_insert": "AFTER INSERT ON tasks BEGIN "
    + _SQLITE_LIST_ROW.format(r="NEW", sign="+"),
    "tasks_list_counts_delete": "AFTER DELETE ON tasks BEGIN "
    + _SQLITE_LIST_ROW.format(r="OLD", sign="-"),
    # Every update of a task bumps its list's version; a move bumps both lists.
    "tasks_list_counts_update": (
        "AFTER UPDATE ON tasks BEGIN "
        "UPDATE lists SET version = version + 1, open_count = open_count - "
        + _OPEN.format(r="OLD")
        + " WHERE id = OLD.list_id; "
        "UPDATE lists SET version = version + (NEW.list_id <> OLD.list_id), "
        "open_count = open_count + " + _OPEN.format(r="NEW") + " WHERE id = NEW.list_id; "
    ),
}


def _migration(revision_id: str) -> ModuleType:
    script = ScriptDirectory(str(Path(__file__).resolve().parent.parent))
    return script.get_revision(revision_id).module


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


@contextmanager
def _tasks_rebuilt() -> Iterator[object]:
    """Batch mode on tasks (see the lists migration: the expression index warning is
    harmless, lists itself is not rebuilt)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        with op.batch_alter_table("tasks") as batch_op:
            yield batch_op


def _drop_sqlite_triggers(names: Sequence[str]) -> None:
    for name in names:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    op.create_table(
        "list_members",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('owner', 'editor', 'viewer')", name=op.f("ck_list_members_role_valid")
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["lists.id"],
            name=op.f("fk_list_members_list_id_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_list_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("list_id", "user_id", name=op.f("pk_list_members")),
    )
    op.create_index(
        "ix_list_members_user_id_list_id", "list_members", ["user_id", "list_id", "role"]
    )
    op.execute(
        "INSERT INTO list_members (list_id, user_id, role, created_at) "
        "SELECT id, owner_id, 'owner', created_at FROM lists"
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("needs_token", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('editor', 'viewer')", name=op.f("ck_invitations_role_valid")),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_invitations_email_lower_case")),
        sa.ForeignKeyConstraint(
            ["list_id"], ["lists.id"], name=op.f("fk_invitations_list_id_lists"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_invitations_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
    )
    op.create_index("ix_invitations_email", "invitations", ["email"])
    op.create_index("ix_invitations_list_id", "invitations", ["list_id"])
    op.add_column(
        "lists", sa.Column("version", sa.BigInteger(), server_default="0", nullable=False)
    )
    # Every list has its owner as its one member so far; triggers keep the count after.
    op.add_column(
        "lists", sa.Column("member_count", sa.Integer(), server_default="0", nullable=False)
    )
    op.execute("UPDATE lists SET member_count = 1")

    if _is_sqlite():
        # The earlier counts' triggers (the rebuild would drop them anyway).
        _drop_sqlite_triggers([name for name in SQLITE_TRIGGERS if name.startswith("tasks_")])
    with _tasks_rebuilt() as batch_op:
        for column in ("assignee_id", "created_by_id", "completed_by_id"):
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_tasks_{column}_users"),
                "users",
                [column],
                ["id"],
                ondelete="SET NULL",
            )
        batch_op.create_index("ix_tasks_list_id_status_due_date", ["list_id", "status", "due_date"])
        batch_op.create_index("ix_tasks_assignee_id", ["assignee_id"])
    op.execute(
        "UPDATE tasks SET created_by_id = user_id, "
        "completed_by_id = CASE WHEN status = 'completed' THEN user_id END"
    )

    if _is_sqlite():
        # The rebuild dropped every trigger on tasks: the order paths' come back as they
        # were, the counts' as written here.
        for statement in _migration("a7c3e19b5d24").SQLITE_PATHS:
            op.execute(statement)
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}END")
    else:
        for statement in POSTGRES_FUNCTIONS + POSTGRES_OWNER_MEMBER:
            op.execute(statement)


def downgrade() -> None:
    if _is_sqlite():
        _drop_sqlite_triggers(list(SQLITE_TRIGGERS))
    else:
        for statement in POSTGRES_DOWNGRADE:
            op.execute(statement)
        # The earlier bodies of the two functions kept.
        for statement in (
            _migration("822d4f75ec9b").POSTGRES_FUNCTIONS[1],
            _migration("a7c3e19b5d24").POSTGRES_COUNTS[0],
        ):
            op.execute(statement.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    # Members' counts go: each user counts their own lists' tasks again.
    op.execute("DELETE FROM task_counts")
    op.execute(
        "INSERT INTO task_counts (user_id, status, due_date, n) "
        "SELECT user_id, status, due_date, count(*) FROM tasks "
        "WHERE deleted_at IS NULL GROUP BY user_id, status, due_date"
    )
    with _tasks_rebuilt() as batch_op:
        batch_op.drop_index("ix_tasks_assignee_id")
        batch_op.drop_index("ix_tasks_list_id_status_due_date")
        for column in ("completed_by_id", "created_by_id", "assignee_id"):
            batch_op.drop_constraint(batch_op.f(f"fk_tasks_{column}_users"), type_="foreignkey")
            batch_op.drop_column(column)
    if _is_sqlite():
        for statement in _migration("822d4f75ec9b").SQLITE_TRIGGERS:
            op.execute(statement)
        lists = _migration("a7c3e19b5d24")
        for statement in lists.SQLITE_COUNTS + lists.SQLITE_PATHS:
            op.execute(statement)
    # In place (SQLite 3.35+): a batch rebuild of lists would lose its expression index.
    op.drop_column("lists", "member_count")
    op.drop_column("lists", "version")
    op.drop_index("ix_invitations_list_id", table_name="invitations")
    op.drop_index("ix_invitations_email", table_name="invitations")
    op.drop_table("invitations")
    op.drop_index("ix_list_members_user_id_list_id", table_name="list_members")
    op.drop_table("list_members")
