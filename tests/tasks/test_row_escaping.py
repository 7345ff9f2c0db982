"""Task rows escape what people typed. The row template escapes by hand (autoescape is off
there, see templates/tasks/_task.html): every typed value it shows is checked here, on
the page, in a view's list, and in the one row a toggle answers with."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from todo_web.models import User

from ..client import Client
from ..factories import make_list, make_task, share

#: What each typed value is, and how it must appear (escaped) on the page.
TYPED = {
    "list": '<i>Family</i> & "co"',
    "assignee": "<b>Al</b>",
    "parent": "<script>parent()</script>",
    "task": "<img src=x onerror=alert(1)>",
    "tag": "<u>tag</u>",
}


@pytest.fixture
def typed_task(db_session: Session, alice: User, bob: User) -> tuple[int, int]:
    """A subtask in a shared list, every value it shows typed with markup in it: the list's
    name, its parent's title (shown as the row's context), its own title, its
    assignee's name and its tag. The list is shared (with Bob): a lone owner's tasks
    have no assignee to show."""
    alice.name = TYPED["assignee"]  # others' tasks are not on her spanning pages
    db_session.commit()
    family = make_list(db_session, alice, TYPED["list"])
    share(db_session, family, bob)
    parent = make_task(db_session, alice, TYPED["parent"], task_list=family)
    # The same typed values on a subtask and on a task of its own (no parent): toggling
    # the latter answers with its row alone.
    typed = {
        "task_list": family,
        "tags": [TYPED["tag"]],
        "assignee_id": alice.id,
        "due_date": parent.created_at.date(),
    }
    task = make_task(db_session, alice, TYPED["task"], parent=parent, **typed)
    alone = make_task(db_session, alice, TYPED["task"], **typed)
    return task.id, alone.id


def assert_escaped(html: str, *, with_parent: bool = True) -> None:
    for name, value in TYPED.items():
        raw = value.split(">", 1)[0] + ">"  # the opening tag, as markup
        assert raw not in html, f"{name} shown unescaped"
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert ("&lt;script&gt;parent()&lt;/script&gt;" in html) is with_parent
    assert "#&lt;u&gt;tag&lt;/u&gt;" in html
    assert "Assigned to &lt;b&gt;Al&lt;/b&gt;" in html
    assert "&lt;i&gt;Family&lt;/i&gt; &amp; &#34;co&#34;" in html  # the row's list name


@pytest.mark.parametrize("page", ["/tasks", "/tasks?view=upcoming&sort=due"])
def test_typed_values_are_escaped_in_the_list(
    alice_client: Client, typed_task: tuple[int, int], page: str
) -> None:
    html = alice_client.get(page).get_data(as_text=True)

    assert all(f'id="task-{task_id}"' in html for task_id in typed_task)
    assert_escaped(html)


def test_typed_values_are_escaped_in_a_row_alone(
    alice_client: Client, typed_task: tuple[int, int]
) -> None:
    task_id = typed_task[1]
    # From the list of all tasks the completed task stays: the answer is its row alone.
    from_all = {"HX-Current-URL": "http://localhost/tasks?status=all&sort=title"}
    response = alice_client.submit(f"/tasks/{task_id}/toggle", htmx=True, headers=from_all)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.startswith('<li class="task') and f'id="task-{task_id}"' in html
    assert_escaped(html, with_parent=False)
