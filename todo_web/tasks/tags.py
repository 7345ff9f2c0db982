"""Tags: the names typed in a form, the user's tags they stand for, and the tags in use."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, bindparam, exists, func, select
from sqlalchemy.orm import Session, selectinload

from ..models import Tag, Task, User, task_tags


def parse_tag_names(raw: str | None) -> tuple[str, ...]:
    """Comma-separated tag names: trimmed, blanks dropped, first spelling of a name kept."""
    names: list[str] = []
    seen: set[str] = set()
    for part in (raw or "").split(","):
        name = " ".join(part.split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return tuple(names)


def resolve_tags(session: Session, owner: User | int, names: Sequence[str]) -> list[Tag]:
    """The owner's tags with these names (matched without regard to case), created if new.
    A task's tags are its list owner's (`Task.user_id`), whoever edits it.

    Names are compared as the unique index uq_tags_user_id_lower_name compares them: by the
    database's lower(), which is not Python's (SQLite folds ASCII letters only; PostgreSQL
    lowers a dotted capital I to i, and a final capital sigma to the medial form). So the
    database folds the typed names too, and a new tag can never collide with the index.
    """
    if not names:
        return []
    owner_id = owner.id if isinstance(owner, User) else owner
    keys = tuple(session.execute(select(*(func.lower(name) for name in names))).one())
    by_key: dict[str, Tag] = {
        key: tag
        for key, tag in session.execute(
            select(func.lower(Tag.name), Tag).where(
                Tag.user_id == owner_id, func.lower(Tag.name).in_(sorted(set(keys)))
            )
        )
    }
    tags: list[Tag] = []
    for key, name in zip(keys, names, strict=True):
        tag = by_key.get(key)
        if tag is None:
            tag = Tag(user_id=owner_id, name=name)
            session.add(tag)
            by_key[key] = tag
        if tag not in tags:
            tags.append(tag)
    return tags


def give_tags_to(session: Session, task_ids: Sequence[int], owner_id: int) -> None:
    """The tasks' tags as the tags of `owner_id` of the same names, for tasks moved to a
    list of another owner (a task's tags are its list owner's)."""
    tasks = session.scalars(
        select(Task).where(Task.id.in_(task_ids)).options(selectinload(Task.tags))
    ).all()
    for task in tasks:
        if any(tag.user_id != owner_id for tag in task.tags):
            task.tags = resolve_tags(session, owner_id, [tag.name for tag in task.tags])
            session.flush()


# Built once, like the view counts statement (counts.py): every list page runs it.
_USER_TAG_NAMES = (
    select(Tag.name)
    .where(
        Tag.user_id == bindparam("user_id"),
        exists()
        .where(task_tags.c.tag_id == Tag.id, task_tags.c.task_id == Task.id)
        .where(Task.deleted_at.is_(None)),
    )
    .order_by(func.lower(Tag.name))
)


def user_tag_names(session: Session, user: User) -> list[str]:
    """Names of the user's tags that are on at least one live task, for the filter bar."""
    return list(session.scalars(_USER_TAG_NAMES, {"user_id": user.id}))


# Built once: every list page runs it.
_TAG_NAMES_OF = (
    select(task_tags.c.task_id, Tag.name)
    .join(Tag, Tag.id == task_tags.c.tag_id)
    .where(task_tags.c.task_id.in_(bindparam("task_ids", expanding=True)))
    .order_by(task_tags.c.task_id, Tag.name)
)


def tag_names_of(session: Session, task_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each task's tag names, in the order Task.tags has them, in one statement.

    What a list's rows show: plain names read as rows, without building Tag objects and
    Task.tags collections (which took a list page half its time in SQLAlchemy). The
    caller has already checked the tasks are the user's."""
    names: dict[int, list[str]] = {}
    if task_ids:
        for task_id, name in session.execute(_TAG_NAMES_OF, {"task_ids": list(task_ids)}):
            names.setdefault(task_id, []).append(name)
    return names


def has_tag(owner_ids: set[int], name: str) -> ColumnElement[bool]:
    """Tasks carrying a tag of this name. A task's tags are its list owner's; `owner_ids`
    are the owners whose lists the user sees (only the user's own id, for most)."""
    if len(owner_ids) == 1:
        # The user's own tag (found through uq_tags_user_id_lower_name, not every user's
        # tag of that name).
        (owner,) = owner_ids
        owned = Tag.user_id == owner
    else:
        owned = and_(Tag.user_id.in_(sorted(owner_ids)), Tag.user_id == Task.user_id)
    return (
        exists()
        .where(task_tags.c.task_id == Task.id, task_tags.c.tag_id == Tag.id)
        # Both sides folded by the database as the unique index does (see resolve_tags).
        .where(owned, func.lower(Tag.name) == func.lower(name))
    )
