"""Search index per user: (user_id, search vector) in one GIN index (PostgreSQL only).

Every search names one user. With user_id inside the GIN index (the btree_gin extension,
shipped with PostgreSQL and trusted since version 13) the index finds that user's matches
itself, instead of returning every user's matches of a common word for the heap to filter.
The expression must stay identical to `todo_web.tasks.search.search_vector()`.

Revision ID: b7e3a1c94d20
Revises: 822d4f75ec9b
Create Date: 2026-11-22 00:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b7e3a1c94d20"
down_revision: str | None = "822d4f75ec9b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VECTOR = "to_tsvector('simple'::regconfig, title || ' ' || description)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.execute("DROP INDEX ix_tasks_search")
    op.execute(f"CREATE INDEX ix_tasks_search ON tasks USING gin (user_id, {VECTOR})")


def downgrade() -> None:
    # The extension stays: other indexes may use it by now, and it costs nothing unused.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_tasks_search")
    op.execute(f"CREATE INDEX ix_tasks_search ON tasks USING gin ({VECTOR})")
