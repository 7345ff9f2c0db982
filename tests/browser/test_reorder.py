"""Moving tasks in a list's own order (static/reorder.js with SortableJS): dragging rows by
their handle with the mouse and with a finger, sideways to nest and un-nest them, the
Alt+Shift+arrow keys, and the move buttons without JavaScript. Every move is checked in
the database (the tree, siblings by position) and on the page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from todo_web.models import Task, TaskList, User

from ..factories import make_list, make_task
from .support import log_in

SORTABLE_READY = """() => {
  const list = document.querySelector(".task-items.sortable");
  return !!(list && window.Sortable && window.Sortable.get(list));
}"""


@pytest.fixture
def home(alice: User, db_session: Session) -> TaskList:
    """Alice's list "Home": A, B (with subtasks B1 and B2), C, D."""
    home = make_list(db_session, alice, "Home", commit=False)
    make_task(db_session, alice, "A", task_list=home, commit=False)
    b = make_task(db_session, alice, "B", task_list=home, commit=False)
    make_task(db_session, alice, "B1", parent=b, commit=False)
    make_task(db_session, alice, "B2", parent=b, commit=False)
    make_task(db_session, alice, "C", task_list=home, commit=False)
    make_task(db_session, alice, "D", task_list=home, commit=False)
    db_session.commit()
    return home


def tree(db_session: Session, task_list: TaskList) -> list[str]:
    """The list as the database orders it: siblings by position, each subtask indented two
    spaces per level under its parent."""
    db_session.expire_all()
    tasks = db_session.scalars(
        select(Task)
        .where(Task.list_id == task_list.id, Task.deleted_at.is_(None))
        .order_by(Task.position, Task.id)
    ).all()
    lines: list[str] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for task in tasks:
            if task.parent_id == parent_id:
                lines.append("  " * depth + task.title)
                walk(task.id, depth + 1)

    walk(None, 0)
    return lines


def shown(page: Any) -> list[str]:
    """The rows on the page, indented the same way by their data-depth."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll("#task-list li[data-task-id]"))
            .map((row) => "  ".repeat(Number(row.dataset.depth))
                          + row.querySelector(".task-title").textContent.trim())"""
    )


def row(page: Any, title: str) -> Any:
    return page.locator("#task-list li[data-task-id]").filter(
        has=page.locator(".task-title", has_text=re.compile(f"^{re.escape(title)}$"))
    )


def task_id(page: Any, title: str) -> str:
    value = row(page, title).get_attribute("data-task-id")
    assert value is not None
    return value


def open_list(pages: Any, task_list: TaskList, device: str = "desktop") -> Any:
    # Reduced motion: SortableJS does not animate rows aside, so a row under the pointer
    # is where it is drawn.
    page = pages.open(device, reduced_motion="reduce")
    log_in(page)
    page.goto(f"/tasks?list={task_list.id}")
    page.wait_for_function(SORTABLE_READY)
    return page


def mark_list(page: Any) -> None:
    """Mark the list on show, to tell it from the one a move's answer brings."""
    page.locator("#task-list").evaluate("(list) => { list.dataset.stale = 'yes'; }")


def until_replaced(page: Any) -> None:
    """Wait for the marked list to be replaced by the answer's, and set up to be sortable."""
    expect(page.locator("#task-list[data-stale]")).to_have_count(0)
    page.wait_for_function(SORTABLE_READY)


def is_move(response: Any) -> bool:
    return response.request.method == "POST" and response.url.endswith("/move")


def center(box: dict[str, float]) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def handle_and_target(page: Any, title: str, onto: str) -> tuple[float, float, float]:
    """Where to take the row `title` (its handle's middle) and to put it (the middle of the
    row `onto`), with the list scrolled to the middle of the screen."""
    page.locator("#task-list .task-items").evaluate(
        "(list) => list.scrollIntoView({block: 'center'})"
    )
    x, y = center(row(page, title).locator(".drag-handle").bounding_box())
    return x, y, middle_of(page, onto)


def middle_of(page: Any, title: str) -> float:
    _, y = center(row(page, title).bounding_box())
    return y


def wait_for_spot(page: Any, moving: str, after: str | None, depth: int) -> None:
    """Until the row being dragged sits just after the row `after` (None: first) among the
    rows on show, drawn at `depth`."""
    page.wait_for_function(
        """([id, after, depth]) => {
            const rows = Array.from(document.querySelectorAll(
                "#task-list li[data-task-id]:not(.is-carried)"));
            const at = rows.findIndex((r) => r.dataset.taskId === id);
            const before = at > 0 ? rows[at - 1].dataset.taskId : null;
            const drawn = (rows[at].className.match(/depth-(\\d+)/) || [0, "0"])[1];
            return at >= 0 && before === after && Number(drawn) === depth;
        }""",
        arg=[task_id(page, moving), after and task_id(page, after), depth],
    )


def mouse_drag(
    page: Any, title: str, onto: str, *, after: str | None, depth: int, dx: float = 0
) -> Any:
    """Drag `title` by its handle onto the row `onto` (and `dx` px sideways); drop once the
    row is in place. Returns the move's answer."""
    x, y, _ = handle_and_target(page, title, onto)
    page.mouse.move(x, y)
    page.mouse.down()
    # Past SortableJS's 4 px tolerance: the drag starts, and a row carrying subtasks folds
    # them away, which moves the rows below it. Only then is the target measured.
    page.mouse.move(x, y + 6, steps=2)
    page.wait_for_selector(".sortable-fallback")
    to_y = middle_of(page, onto)
    page.mouse.move(x + dx / 2, (y + to_y) / 2, steps=5)
    page.mouse.move(x + dx, to_y, steps=5)
    wait_for_spot(page, title, after, depth)
    mark_list(page)
    with page.expect_response(is_move) as answer:
        page.mouse.up()
    until_replaced(page)
    return answer.value


def test_drag_with_the_mouse_moves_a_task_and_its_subtasks(
    pages: Any, home: TaskList, db_session: Session
) -> None:
    page = open_list(pages, home)
    assert shown(page) == tree(db_session, home) == ["A", "B", "  B1", "  B2", "C", "D"]

    # A down onto C: after C.
    assert mouse_drag(page, "A", "C", after="C", depth=0).status == 200
    expect(row(page, "A")).to_have_attribute("data-depth", "0")
    assert tree(db_session, home) == ["B", "  B1", "  B2", "C", "A", "D"]
    assert shown(page) == tree(db_session, home)

    # D up to the top, in the list the answer brought (sortable again).
    mouse_drag(page, "D", "B", after=None, depth=0)
    assert tree(db_session, home) == ["D", "B", "  B1", "  B2", "C", "A"]
    assert shown(page) == tree(db_session, home)

    # B, with its subtasks, down after A: they travel along.
    mouse_drag(page, "B", "A", after="A", depth=0)
    assert tree(db_session, home) == ["D", "C", "A", "B", "  B1", "  B2"]
    assert shown(page) == tree(db_session, home)


def test_dragging_sideways_nests_and_unnests(
    pages: Any, home: TaskList, db_session: Session
) -> None:
    page = open_list(pages, home)

    # C dragged right, where it is: a subtask of the task above it (B), last under it.
    mouse_drag(page, "C", "C", after="B2", depth=1, dx=60)
    expect(row(page, "C")).to_have_attribute("data-parent-id", task_id(page, "B"))
    assert tree(db_session, home) == ["A", "B", "  B1", "  B2", "  C", "D"]
    assert shown(page) == tree(db_session, home)

    # B1 dragged left: out of B, under B's parent (the top), just after B.
    mouse_drag(page, "B1", "B1", after="B", depth=0, dx=-60)
    assert tree(db_session, home) == ["A", "B", "  B2", "  C", "B1", "D"]
    assert shown(page) == tree(db_session, home)

    # D dropped between B and its first subtask: it becomes that first subtask.
    mouse_drag(page, "D", "B2", after="B", depth=1)
    assert tree(db_session, home) == ["A", "B", "  D", "  B2", "  C", "B1"]
    assert shown(page) == tree(db_session, home)

    # And right again, under the sibling above, two levels deep.
    mouse_drag(page, "B2", "B2", after="D", depth=2, dx=60)
    assert tree(db_session, home) == ["A", "B", "  D", "    B2", "  C", "B1"]
    assert shown(page) == tree(db_session, home)


def test_drag_with_a_finger_on_a_phone(pages: Any, home: TaskList, db_session: Session) -> None:
    page = open_list(pages, home, "phone")
    assert page.evaluate("navigator.maxTouchPoints") > 0
    x, y, to_y = handle_and_target(page, "D", "A")
    touch = page.context.new_cdp_session(page)

    def send(kind: str, at_y: float | None = None) -> None:
        points = [] if at_y is None else [{"x": x, "y": at_y}]
        touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    send("touchStart", y)
    # Held still on the handle for a moment, the row is picked up.
    expect(row(page, "D")).to_have_class(re.compile(r"\bsortable-chosen\b"))
    for step in range(1, 9):
        send("touchMove", y + (to_y - y) * step / 8)
    wait_for_spot(page, "D", None, 0)
    mark_list(page)
    with page.expect_response(is_move) as answer:
        send("touchEnd")
    assert answer.value.status == 200
    until_replaced(page)
    assert tree(db_session, home) == ["D", "A", "B", "  B1", "  B2", "C"]
    expect(page.locator("#task-list .task-title").first).to_have_text("D")
    assert shown(page) == tree(db_session, home)


def press_on(page: Any, title: str, keys: str) -> None:
    """With focus on the row's title, press `keys`; wait for the move and the new list,
    where focus is back on the row."""
    row(page, title).locator(".task-title").focus()
    mark_list(page)
    with page.expect_response(is_move) as answer:
        page.keyboard.press(keys)
    assert answer.value.status == 200
    until_replaced(page)
    expect(row(page, title).locator(".task-title")).to_be_focused()


def test_alt_shift_arrows_move_nest_and_unnest(
    pages: Any, home: TaskList, db_session: Session
) -> None:
    page = open_list(pages, home)
    announcer = page.locator("#announcer")

    press_on(page, "C", "Alt+Shift+ArrowUp")  # over B and its subtasks
    assert tree(db_session, home) == ["A", "C", "B", "  B1", "  B2", "D"]
    expect(announcer).to_have_text("“C” moved up.")
    press_on(page, "C", "Alt+Shift+ArrowDown")
    assert tree(db_session, home) == ["A", "B", "  B1", "  B2", "C", "D"]

    press_on(page, "C", "Alt+Shift+ArrowRight")  # under the sibling above, last
    assert tree(db_session, home) == ["A", "B", "  B1", "  B2", "  C", "D"]
    expect(announcer).to_have_text("“C” is now a subtask of “B”.")
    press_on(page, "C", "Alt+Shift+ArrowUp")
    press_on(page, "C", "Alt+Shift+ArrowRight")
    assert tree(db_session, home) == ["A", "B", "  B1", "    C", "  B2", "D"]
    assert shown(page) == tree(db_session, home)

    press_on(page, "C", "Alt+Shift+ArrowLeft")  # out: just after its parent B1
    assert tree(db_session, home) == ["A", "B", "  B1", "  C", "  B2", "D"]
    press_on(page, "C", "Alt+Shift+ArrowLeft")  # out again: just after B
    assert tree(db_session, home) == ["A", "B", "  B1", "  B2", "C", "D"]
    expect(announcer).to_have_text("“C” is now a top-level task.")
    assert shown(page) == tree(db_session, home)

    # Nowhere to go: said, nothing sent, the page stays (Alt+Left is not "Back").
    row(page, "A").locator(".task-title").focus()
    page.keyboard.press("Alt+Shift+ArrowUp")
    expect(announcer).to_have_text("“A” is already first.")
    page.keyboard.press("Alt+Shift+ArrowLeft")
    expect(announcer).to_have_text("“A” is already a top-level task.")
    assert page.url.endswith(f"/tasks?list={home.id}")
    assert tree(db_session, home) == ["A", "B", "  B1", "  B2", "C", "D"]


def test_move_buttons_work_without_javascript(
    pages: Any, home: TaskList, db_session: Session
) -> None:
    page = pages.open("desktop", java_script_enabled=False)
    log_in(page)
    page.goto(f"/tasks?list={home.id}")
    expect(page.locator("#task-list .drag-handle")).to_have_count(6)  # shown, if useless

    row(page, "A").locator(".move-down").click()  # over B and its subtasks
    expect(page.locator("#task-list .task-title").first).to_have_text("B")
    assert tree(db_session, home) == ["B", "  B1", "  B2", "A", "C", "D"]
    assert page.url.endswith(f"/tasks?list={home.id}")

    row(page, "B2").locator(".move-up").click()
    expect(row(page, "B2")).to_have_attribute("data-depth", "1")
    assert tree(db_session, home) == ["B", "  B2", "  B1", "A", "C", "D"]
    assert shown(page) == tree(db_session, home)


def test_sortablejs_is_loaded_only_where_rows_can_move(
    pages: Any, home: TaskList, db_session: Session
) -> None:
    page = pages.open("desktop", reduced_motion="reduce")
    log_in(page)  # on /tasks: every list, by date
    assert page.locator("script[src*='Sortable']").count() == 0
    assert page.locator("script[src*='reorder.js']").count() == 0
    assert page.evaluate("typeof window.Sortable") == "undefined"
    expect(page.locator("#task-list li[data-task-id]")).to_have_count(6)
    expect(page.locator("#task-list .drag-handle")).to_have_count(0)

    page.goto(f"/tasks?list={home.id}")
    expect(page.locator("head script[src*='/static/vendor/Sortable.min.js?v=']")).to_have_count(1)
    expect(page.locator("head script[src*='/static/reorder.js?v=']")).to_have_count(1)
    page.wait_for_function(SORTABLE_READY)

    # A search in the list: nothing to reorder, nothing loaded. Taking the search off
    # (htmx swaps the list in) brings the scripts, and the rows move.
    page.goto(f"/tasks?list={home.id}&q=B")
    assert page.evaluate("typeof window.Sortable") == "undefined"
    page.locator(".active-filters .chip").first.click()
    page.wait_for_url(f"**/tasks?list={home.id}")
    page.wait_for_function(SORTABLE_READY)
    press_on(page, "D", "Alt+Shift+ArrowUp")
    assert tree(db_session, home) == ["A", "B", "  B1", "  B2", "D", "C"]
