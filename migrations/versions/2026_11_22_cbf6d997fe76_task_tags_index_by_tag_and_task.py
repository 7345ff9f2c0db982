"""task_tags: index (tag_id, task_id) instead of (tag_id).

The list's tag filter reads a tag's tasks; with task_id in the index it reads them from
the index alone, without visiting each task_tags row (3,500 rows for a popular tag of the
heavy benchmark user).

Revision ID: cbf6d997fe76
Revises: b7e3a1c94d20
Create Date: 2026-11-22 00:52:39.138813
"""

from collections.abc import Sequence

from alembic import op

revision: str = "cbf6d997fe76"
down_revision: str | None = "b7e3a1c94d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_task_tags_tag_id_task_id", "task_tags", ["tag_id", "task_id"])
    op.drop_index(op.f("ix_task_tags_tag_id"), table_name="task_tags")


def downgrade() -> None:
    op.create_index(op.f("ix_task_tags_tag_id"), "task_tags", ["tag_id"])
    op.drop_index("ix_task_tags_tag_id_task_id", table_name="task_tags")
