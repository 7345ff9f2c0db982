"""Tags: the names typed in a form, the user's tags they stand for, and the tags in use."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, and_, bindparam, exists, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import TypeDecorator

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


#: Joins names on SQLite, which has no arrays; never in a name (parse_tag_names splits
#: on it, as on all whitespace).
_NAME_SEPARATOR = "\x1f"

#: SQLite's lower(), which folds ASCII letters only.
_SQLITE_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class _NameList(TypeDecorator[list[str]]):
    """Tag names gathered by `_names`: an array on PostgreSQL, in the order asked for; one
    joined string on SQLite, sorted here as SQLite would sort them (by name, or by its
    lower() of the name when `folded`)."""

    impl = String
    cache_ok = True

    def __init__(self, folded: bool = False) -> None:
        super().__init__()
        self.folded = folded

    def process_result_value(self, value: Any, dialect: Any) -> list[str]:
        if not value:
            return []
        if not isinstance(value, str):
            return list(value)
        names = value.split(_NAME_SEPARATOR)
        if self.folded:
            return sorted(names, key=lambda name: name.translate(_SQLITE_LOWER))
        return sorted(names)


class _names(GenericFunction[list[str]]):
    """``array_agg(name ORDER BY key)`` on PostgreSQL, ``group_concat(name)`` on SQLite
    (sorted when read, see _NameList); `key` is the name or lower(name)."""

    inherit_cache = True

    def __init__(self, name: ColumnElement[str], key: ColumnElement[str]) -> None:
        super().__init__(name, key)
        self.type = _NameList(folded=key is not name)


@compiles(_names, "postgresql")
def _names_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    name, key = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"array_agg({name} ORDER BY {key})"


@compiles(_names, "sqlite")
def _names_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    name = compiler.process(element.clauses.clauses[0], **kw)
    return f"group_concat({name}, char(31))"


def tag_names_column(task_id: ColumnElement[int]) -> ColumnElement[list[str]]:
    """The tag names of the task whose id is `task_id`, in the order Task.tags has them,
    as a column of the statement that reads the task: a correlated subquery, so a page's
    rows come with their tags in one round trip."""
    return (
        select(_names(Tag.name, Tag.name))
        .select_from(task_tags)
        .join(Tag, Tag.id == task_tags.c.tag_id)
        .where(task_tags.c.task_id == task_id)
        .scalar_subquery()
    )


def user_tag_names_column() -> ColumnElement[list[str]]:
    """The names of the user's (bound as `user_id`) tags that are on at least one live
    task, for the filter bar, as a column: the sidebar's statement reads them."""
    return (
        select(_names(Tag.name, func.lower(Tag.name)))
        .where(
            Tag.user_id == bindparam("user_id"),
            exists()
            .where(task_tags.c.tag_id == Tag.id, task_tags.c.task_id == Task.id)
            .where(Task.deleted_at.is_(None)),
        )
        .scalar_subquery()
    )


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
