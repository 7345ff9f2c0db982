"""The list's query paths that the performance work changed: search and tag filters (page
and total in one pass; on PostgreSQL search matches are collected through the index first),
and the tag filter scoped to the user."""

from __future__ import annotations

from sqlalchemy.orm import Session

from todo_web.lists.queries import inbox_of
from todo_web.models import User
from todo_web.tasks import lifecycle, reading
from todo_web.tasks.listing import ListQuery

from ..factories import make_user


def add(session: Session, user: User, title: str, tags: tuple[str, ...] = ()) -> None:
    lifecycle.create_task(
        session, user, lifecycle.TaskData(title=title, tags=tags), inbox_of(session, user)
    )


def test_search_pages_count_and_load_tags(db_session: Session) -> None:
    user = make_user(db_session, "search@example.com")
    other = make_user(db_session, "other@example.com")
    for n in range(25):
        add(db_session, user, f"Invoice number {n}", tags=("bills",))
    add(db_session, user, "Water the plants")
    add(db_session, other, "Invoice of someone else")
    db_session.flush()

    first = reading.list_tasks(db_session, user, ListQuery(q="invoi"))
    second = reading.list_tasks(db_session, user, ListQuery(q="invoi", page=2))
    past_end = reading.list_tasks(db_session, user, ListQuery(q="invoi", page=5))
    nothing = reading.list_tasks(db_session, user, ListQuery(q="zeppelin"))

    assert (first.total, len(first.tasks)) == (25, 20)
    assert (second.total, len(second.tasks)) == (25, 5)
    assert (past_end.total, past_end.tasks) == (25, [])
    assert (nothing.total, nothing.tasks) == (0, [])
    titles = [t.title for t in first.tasks + second.tasks]
    assert len(set(titles)) == 25 and all(t.startswith("Invoice number") for t in titles)
    assert all(first.tag_names[task.id] == ["bills"] for task in first.tasks)


def test_tag_filter_only_sees_the_users_own_tag(db_session: Session) -> None:
    user = make_user(db_session, "tags@example.com")
    other = make_user(db_session, "tags-other@example.com")
    add(db_session, user, "Mine", tags=("Home",))
    add(db_session, user, "Untagged")
    add(db_session, other, "Theirs", tags=("home",))
    db_session.flush()

    page = reading.list_tasks(db_session, user, ListQuery(tags=("HOME",)))
    past_end = reading.list_tasks(db_session, user, ListQuery(tags=("home",), page=3))

    assert [t.title for t in page.tasks] == ["Mine"]
    assert page.total == 1
    assert (past_end.tasks, past_end.total) == ([], 1)
