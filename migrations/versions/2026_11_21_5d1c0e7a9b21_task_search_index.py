"""Full-text search index over task title and description (PostgreSQL only).

The expression must stay identical to `todo_web.tasks.search.search_vector()`, or the
planner will not use the index. SQLite has no equivalent; search there uses LIKE.

Revision ID: 5d1c0e7a9b21
Revises: 0162651e34f3
Create Date: 2026-11-21 23:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5d1c0e7a9b21"
down_revision: str | None = "0162651e34f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX ix_tasks_search ON tasks USING gin "
        "(to_tsvector('simple'::regconfig, title || ' ' || description))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_tasks_search")
