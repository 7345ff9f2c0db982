"""Lists, subtasks and manual order.

Every user gets an Inbox and every task moves into it, in the order it was created
(`position` = id * 2**16, leaving room between neighbours for the midpoint moves of
todo_web.ordering). Tasks gain `list_id` (NOT NULL once filled), `parent_id` and
`position`. `lists.open_count` is kept by triggers on tasks, like task_counts, and so is
`tasks.order_path` (the task's place in its list's tree, see todo_web.tasks.tree).

On SQLite, making `list_id` NOT NULL rebuilds the tasks table (batch mode), which drops
its triggers: the task_counts triggers are created again from their own migration, and
the downgrade's rebuild does the same.

Revision ID: a7c3e19b5d24
Revises: c41d7e0a5b92
Create Date: 2026-11-28 06:30:00.000000
"""

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op
from alembic.script import ScriptDirectory

revision: str = "a7c3e19b5d24"
down_revision: str | None = "c41d7e0a5b92"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Gaps between the positions the migration hands out (see todo_web.ordering).
POSITION_STEP = 1 << 16
#: Five levels of 16 hex digits; compared byte by byte ("C") on PostgreSQL.
ORDER_PATH_TYPE = sa.String(length=80).with_variant(
    sa.String(length=80, collation="C"), "postgresql"
)

POSTGRES_COUNTS = [
    """
    CREATE FUNCTION tasks_keep_list_counts() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        was_open boolean := TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL
            AND OLD.status IN ('pending', 'in_progress');
        is_open boolean := TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL
            AND NEW.status IN ('pending', 'in_progress');
    BEGIN
        IF TG_OP = 'UPDATE' AND was_open = is_open AND NEW.list_id = OLD.list_id THEN
            RETURN NULL;
        END IF;
        -- A task moving between two lists locks both rows: lowest id first, so two moves
        -- in opposite directions cannot deadlock.
        IF was_open AND is_open AND NEW.list_id < OLD.list_id THEN
            UPDATE lists SET open_count = open_count + 1 WHERE id = NEW.list_id;
            UPDATE lists SET open_count = open_count - 1 WHERE id = OLD.list_id;
            RETURN NULL;
        END IF;
        IF was_open THEN
            UPDATE lists SET open_count = open_count - 1 WHERE id = OLD.list_id;
        END IF;
        IF is_open THEN
            UPDATE lists SET open_count = open_count + 1 WHERE id = NEW.list_id;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER tasks_keep_list_counts AFTER INSERT OR UPDATE OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_keep_list_counts()
    """,
]

_OPEN = "{r}.deleted_at IS NULL AND {r}.status IN ('pending', 'in_progress')"
SQLITE_COUNTS = [
    "CREATE TRIGGER tasks_list_counts_insert AFTER INSERT ON tasks WHEN "
    + _OPEN.format(r="NEW")
    + " BEGIN UPDATE lists SET open_count = open_count + 1 WHERE id = NEW.list_id; END",
    "CREATE TRIGGER tasks_list_counts_delete AFTER DELETE ON tasks WHEN "
    + _OPEN.format(r="OLD")
    + " BEGIN UPDATE lists SET open_count = open_count - 1 WHERE id = OLD.list_id; END",
    "CREATE TRIGGER tasks_list_counts_update AFTER UPDATE OF list_id, status, deleted_at "
    "ON tasks BEGIN "
    "UPDATE lists SET open_count = open_count - 1 WHERE id = OLD.list_id AND "
    + _OPEN.format(r="OLD")
    + "; UPDATE lists SET open_count = open_count + 1 WHERE id = NEW.list_id AND "
    + _OPEN.format(r="NEW")
    + "; END",
]
SQLITE_COUNT_TRIGGERS = (
    "tasks_list_counts_insert",
    "tasks_list_counts_delete",
    "tasks_list_counts_update",
)

#: A position as 16 hex digits, offset so that every position (-2**62 .. 2**62) is one of
#: the same width and sorts as text the way it sorts as a number.
POSITION_OFFSET = 1 << 62
POSTGRES_SEGMENT = f"lpad(to_hex({{r}}.position + {POSITION_OFFSET}), 16, '0')"
SQLITE_SEGMENT = f"printf('%016x', {{r}}.position + {POSITION_OFFSET})"

POSTGRES_PATHS = [
    f"""
    CREATE FUNCTION tasks_keep_order_path() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.order_path := coalesce(
            (SELECT parent.order_path FROM tasks parent WHERE parent.id = NEW.parent_id), ''
        ) || {POSTGRES_SEGMENT.format(r="NEW")};
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER tasks_keep_order_path BEFORE INSERT OR UPDATE OF position, parent_id
    ON tasks FOR EACH ROW EXECUTE FUNCTION tasks_keep_order_path()
    """,
]
_SQLITE_SET_PATH = (
    " BEGIN UPDATE tasks SET order_path = coalesce((SELECT parent.order_path FROM tasks "
    "parent WHERE parent.id = NEW.parent_id), '') || "
    + SQLITE_SEGMENT.format(r="NEW")
    + " WHERE id = NEW.id; END"
)
SQLITE_PATHS = [
    "CREATE TRIGGER tasks_order_path_insert AFTER INSERT ON tasks" + _SQLITE_SET_PATH,
    "CREATE TRIGGER tasks_order_path_update AFTER UPDATE OF position, parent_id ON tasks"
    + _SQLITE_SET_PATH,
]
SQLITE_PATH_TRIGGERS = ("tasks_order_path_insert", "tasks_order_path_update")

BACKFILL_COUNTS = """
    UPDATE lists SET open_count = (
        SELECT count(*) FROM tasks
        WHERE tasks.list_id = lists.id AND tasks.deleted_at IS NULL
          AND tasks.status IN ('pending', 'in_progress'))
"""


def _task_counts_migration() -> ModuleType:
    """The migration that made task_counts: its SQLite triggers, to create again after a
    rebuild of tasks."""
    script = ScriptDirectory(str(Path(__file__).resolve().parent.parent))
    return script.get_revision("822d4f75ec9b").module


def _recreate_task_counts_triggers() -> None:
    for statement in _task_counts_migration().SQLITE_TRIGGERS:
        op.execute(statement)


@contextmanager
def _tasks_rebuilt() -> Iterator[object]:
    """Batch mode on tasks. On SQLite it reflects the tables tasks refers to; lists has an
    expression index (lower(name)) SQLite's reflection skips with a warning, harmless
    here: lists itself is not rebuilt."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        with op.batch_alter_table("tasks") as batch_op:
            yield batch_op


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.create_table(
        "lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("is_inbox", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("position", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("open_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "length(name) >= 1 AND length(name) <= 100", name=op.f("ck_lists_name_length")
        ),
        sa.CheckConstraint("open_count >= 0", name=op.f("ck_lists_open_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_lists_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lists")),
    )
    op.create_index(
        "uq_lists_owner_id_lower_name",
        "lists",
        ["owner_id", sa.literal_column("lower(name)")],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
        sqlite_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "uq_lists_owner_id_inbox",
        "lists",
        ["owner_id"],
        unique=True,
        postgresql_where=sa.text("is_inbox"),
        sqlite_where=sa.text("is_inbox"),
    )
    op.execute(
        "INSERT INTO lists (owner_id, name, is_inbox, position, open_count, created_at) "
        "SELECT id, 'Inbox', true, 0, 0, created_at FROM users"
    )

    # Nullable first, filled, then NOT NULL (SQLite adds a column in place only if it may
    # be null).
    op.add_column("tasks", sa.Column("list_id", sa.Integer(), nullable=True))
    op.add_column("tasks", sa.Column("parent_id", sa.Integer(), nullable=True))
    op.add_column(
        "tasks", sa.Column("position", sa.BigInteger(), server_default="0", nullable=False)
    )
    op.add_column(
        "tasks",
        sa.Column("order_path", ORDER_PATH_TYPE, server_default="", nullable=False),
    )
    op.execute(
        "UPDATE tasks SET list_id = (SELECT lists.id FROM lists "
        "WHERE lists.owner_id = tasks.user_id AND lists.is_inbox), "
        f"position = id * {POSITION_STEP}"
    )
    segment = SQLITE_SEGMENT if _is_sqlite() else POSTGRES_SEGMENT
    op.execute(f"UPDATE tasks SET order_path = {segment.format(r='tasks')}")
    with _tasks_rebuilt() as batch_op:
        batch_op.alter_column("list_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_tasks_list_id_lists"), "lists", ["list_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_tasks_parent_id_tasks"),
            "tasks",
            ["parent_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(
            "ix_tasks_list_id_parent_id_position", ["list_id", "parent_id", "position"]
        )
        batch_op.create_index("ix_tasks_parent_id", ["parent_id"])
        batch_op.create_index("ix_tasks_list_id_order_path_id", ["list_id", "order_path", "id"])

    op.execute(BACKFILL_COUNTS)
    if _is_sqlite():
        _recreate_task_counts_triggers()
        for statement in SQLITE_COUNTS + SQLITE_PATHS:
            op.execute(statement)
    else:
        for statement in POSTGRES_COUNTS + POSTGRES_PATHS:
            op.execute(statement)


def downgrade() -> None:
    if _is_sqlite():
        for name in SQLITE_COUNT_TRIGGERS + SQLITE_PATH_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    else:
        op.execute("DROP TRIGGER tasks_keep_list_counts ON tasks")
        op.execute("DROP FUNCTION tasks_keep_list_counts()")
        op.execute("DROP TRIGGER tasks_keep_order_path ON tasks")
        op.execute("DROP FUNCTION tasks_keep_order_path()")
    # Tasks in lists go back to their owner's one flat list; deleted lists' tasks were
    # deleted with them and stay so.
    with _tasks_rebuilt() as batch_op:
        batch_op.drop_index("ix_tasks_list_id_order_path_id")
        batch_op.drop_index("ix_tasks_parent_id")
        batch_op.drop_index("ix_tasks_list_id_parent_id_position")
        batch_op.drop_constraint(batch_op.f("fk_tasks_parent_id_tasks"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_tasks_list_id_lists"), type_="foreignkey")
        batch_op.drop_column("order_path")
        batch_op.drop_column("position")
        batch_op.drop_column("parent_id")
        batch_op.drop_column("list_id")
    if _is_sqlite():
        _recreate_task_counts_triggers()
    op.drop_index("uq_lists_owner_id_inbox", table_name="lists")
    op.drop_index("uq_lists_owner_id_lower_name", table_name="lists")
    op.drop_table("lists")
