"""The import parser and validator, without Flask or a database: table tests."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from todo_web.data.importer import read_upload
from todo_web.data.outline import MAX_LISTS, list_name_from_filename
from todo_web.data.plan import ImportedList, ImportedTask, ImportFileError, ImportPlan
from todo_web.models import Priority, TaskStatus

from ..factories import TODOIST_CSV

TODAY = date(2026, 1, 7)  # a Wednesday
TZ = "Europe/Berlin"


def read(content: str | bytes, max_rows: int = 100, filename: str | None = None) -> ImportPlan:
    data = content.encode() if isinstance(content, str) else content
    return read_upload(data, today=TODAY, tz=TZ, max_rows=max_rows, filename=filename)


def export_json(*tasks: dict[str, Any], **top: Any) -> str:
    """A version 1 export unless `top` says otherwise (a task with "remind" needs 3)."""
    document = {"format": "todo-web", "version": 1, "tasks": list(tasks)}
    document.update(top)
    return json.dumps(document)


def only_task(plan: ImportPlan) -> ImportedTask:
    assert plan.errors == [], plan.errors
    assert len(plan.tasks) == 1
    return plan.tasks[0]


# -- files that cannot be read at all ----------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"  \r\n ", "The file is empty"),
        (PNG, "not a text file"),
        ("title\nhello".encode("utf-16"), "not a text file"),
        ("title\nCafé au lait\n".encode("latin-1"), "not UTF-8 text \\(byte 0xe9"),
        ('title,description\n"Unclosed,quote\nnext,row\n', "malformed near line 3"),
        ('title,description\n"Closed" then text,x\n', "malformed near line 2"),
        ('{"tasks": []}', "not a todo-web export"),
        ("[1, 2]", "not a todo-web export"),
        ('{"format": "todo-web", "version": 4, "tasks": []}', "version “4”; this app reads"),
        ('{"format": "todo-web", "version": true, "tasks": []}', "versions 1, 2 and 3"),
        ('{"format": "todo-web", "version": 1, "lists": [], "tasks": []}', "no “lists”"),
        ('{"format": "todo-web", "version": 2, "lists": {}, "tasks": []}', "must be a list"),
        ('{"format": "todo-web", "version": 2, "lists": [3], "tasks": []}', "not a JSON object"),
        ('{"format": "todo-web", "version": 2, "lists": [{}], "tasks": []}', "has no name"),
        (
            '{"format": "todo-web", "version": 2, "tasks": [], "lists": [{"name": "A", '
            '"colour": 1}]}',
            "List 1 of “lists”: Unknown field\\(s\\): colour",
        ),
        (
            '{"format": "todo-web", "version": 2, "tasks": [], "lists": [{"name": "A"}, '
            '{"name": " a "}]}',
            "List 2 of “lists”: the list “a” is named twice",
        ),
        (
            '{"format": "todo-web", "version": 2, "tasks": [], "lists": [{"name": "A", '
            '"position": "1"}]}',
            "position must be a whole number",
        ),
        (
            '{"format": "todo-web", "version": 2, "tasks": [], "lists": [{"name": "'
            + "x" * 101
            + '"}]}',
            "longer than 100 characters",
        ),
        ('{"format": "todo-web", "version": 1, "tasks": {}}', "no list of “tasks”"),
        ('{"format": "todo-web", "version": 1, "tasks": [', "not valid JSON"),
        ('{"format": "todo-web", "format": "todo-web"}', "twice"),
        ('{"format": "todo-web", "version": 1, "tasks": [' * 20, "nested more than"),
        ("name,when\nPay rent,tomorrow\n", "not ones this app knows.*name, when"),
        ("title,priorty\nPay rent,high\n", "not ones this app knows"),
        ("title,title\na,b\n", "names a column twice"),
        ("Title,title\na,b\n", "names a column twice"),
        (",,,\n,,\n", "must name the columns"),
    ],
)
def test_unreadable_files(content: str | bytes, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        read(content)


@pytest.mark.parametrize(
    "content",
    [
        "title\n" + "".join(f"Task {n}\n" for n in range(4)),
        export_json(*({"title": f"Task {n}"} for n in range(4))),
        TODOIST_CSV,  # counted in rows, whatever their type
    ],
)
def test_too_many_rows(content: str) -> None:
    with pytest.raises(ImportFileError, match="more than 3 tasks"):
        read(content, max_rows=3)


def test_the_row_limit_is_inclusive_and_ignores_blank_lines() -> None:
    plan = read("title\n\nA\n\nB\nC\n\n", max_rows=3)
    assert [task.title for task in plan.tasks] == ["A", "B", "C"]


def test_a_byte_order_mark_is_fine() -> None:
    assert only_task(read("\ufefftitle\r\nCafé\r\n".encode())).title == "Café"


# -- one task of our own formats -------------------------------------------------------------


def test_a_full_json_task() -> None:
    plan = read(
        export_json(
            {
                "id": 7,
                "title": "  Pay rent ",
                "description": "Line one\nline two",
                "status": "completed",
                "priority": "high",
                "due_date": "2026-02-01",
                "due_time": "09:30",
                "recurrence": "freq=monthly;interval=1",
                "tags": ["Bills", "home", "BILLS"],
                "created_at": "2025-12-01T08:00:00.123456+00:00",
                "updated_at": "2026-01-02T10:00:00+01:00",
                "completed_at": "2026-01-02T09:00:00Z",
                "recurs_from_id": None,
            }
        )
    )
    assert only_task(plan) == ImportedTask(
        row=1,
        title="Pay rent",
        description="Line one\nline two",
        status=TaskStatus.COMPLETED,
        priority=Priority.HIGH,
        due_date=date(2026, 2, 1),
        due_time=time(9, 30),
        recurrence="FREQ=MONTHLY",
        tags=("Bills", "home"),
        created_at=datetime(2025, 12, 1, 8, 0, 0, 123456, tzinfo=UTC),
        updated_at=datetime(2026, 1, 2, 9, 0, tzinfo=UTC),
        completed_at=datetime(2026, 1, 2, 9, 0, tzinfo=UTC),
        source_id=7,
    )
    assert plan.format == "json"
    assert plan.tag_names() == ["Bills", "home"]


def test_a_minimal_csv_task_gets_the_defaults() -> None:
    task = only_task(read("title,description,status,priority,tags,due_date\nPay rent,,,,,\n"))
    assert task == ImportedTask(row=2, title="Pay rent")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"tags": "a, b,,B ,  c  d"}, {"tags": ("a", "b", "c d")}),
        ({"status": "In_Progress", "priority": "LOW"}, {"status": TaskStatus.IN_PROGRESS}),
        ({"due_date": "2026-03-01", "due_time": "07:05:09"}, {"due_time": time(7, 5, 9)}),
        (
            {"created_at": "2026-01-01 12:00:00"},
            {"created_at": datetime(2026, 1, 1, 12, tzinfo=UTC)},
        ),
        (
            {"status": "completed", "updated_at": "2026-01-03T00:00:00+00:00"},
            {"completed_at": datetime(2026, 1, 3, tzinfo=UTC)},
        ),
        # A repeat without a date starts at its first date from today, as in the form.
        ({"recurrence": "FREQ=WEEKLY;BYDAY=FR"}, {"due_date": date(2026, 1, 9)}),
        ({"id": "12", "recurs_from_id": "3"}, {"source_id": 12, "recurs_from": 3}),
    ],
)
def test_csv_fields(fields: dict[str, str], expected: dict[str, object]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([["title", *fields], ["Task", *fields.values()]])
    task = only_task(read(out.getvalue()))
    for name, value in expected.items():
        assert getattr(task, name) == value


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "The title is empty."),
        ({"title": "   "}, "The title is empty."),
        ({"title": "x" * 201}, "The title is longer than 200 characters."),
        ({"title": "bell\x07"}, "control characters"),
        ({"title": 5}, "title must be text."),
        ({"description": "x" * 10_001}, "The description is longer than 10,000 characters."),
        ({"status": "done"}, "status must be one of pending, in_progress, completed, cancelled"),
        ({"priority": "urgent"}, "priority must be one of low, medium, high"),
        ({"due_date": "05/01/2026"}, "due_date must be a date as YYYY-MM-DD"),
        ({"due_date": "2026-02-30"}, "due_date must be a date as YYYY-MM-DD"),
        ({"due_date": "20260201"}, "due_date must be a date as YYYY-MM-DD"),
        ({"due_date": "2026-02-01", "due_time": "25:00"}, "due_time must be a time as HH:MM"),
        ({"due_time": "09:00"}, "due_time needs a due_date."),
        ({"recurrence": "FREQ=HOURLY"}, "recurrence: "),
        ({"recurrence": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "never produces a date"),
        ({"tags": "home, work"}, "tags must be a list of names."),
        ({"tags": ["x" * 51]}, "longer than 50 characters"),
        ({"tags": ["a,b"]}, "holds a comma"),
        ({"tags": [""]}, "A tag name is empty."),
        ({"tags": [3]}, "A tag must be text"),
        ({"created_at": "yesterday"}, "created_at must be a timestamp"),
        ({"completed_at": "2026-01-01T00:00:00Z"}, "completed_at is set but the status is pending"),
        ({"colour": "red", "size": 3}, "Unknown field(s): colour, size."),
        ({"id": "7"}, "id must be a positive whole number"),
        ({"id": True}, "id must be a positive whole number"),
        ({"id": 0}, "id must be a positive whole number"),
        ({"recurs_from_id": 1.5}, "recurs_from_id must be a positive whole number"),
        ({"due_date": "2026-02-01", "remind": 15}, "remind must be one of 0, 10, 30, 60, 1440"),
        ({"due_date": "2026-02-01", "remind": "soon"}, "remind must be a whole number"),
        ({"remind": 30}, "remind needs a due_date."),
    ],
)
def test_json_row_errors(fields: dict[str, Any], message: str) -> None:
    version = 3 if "remind" in fields else 1
    plan = read(export_json({"title": "Fine"}, {"title": "Task", **fields}, version=version))
    assert [task.title for task in plan.tasks] == ["Fine"]
    assert [problem.row for problem in plan.errors] == [2]
    assert message in plan.errors[0].message
    assert not plan.ok


def test_a_version_2_export_knows_no_reminders() -> None:
    plan = read(export_json({"title": "Task", "remind": 30}, version=2, lists=[]))
    assert "Unknown field(s): remind." in plan.errors[0].message


def test_a_task_that_is_no_object() -> None:
    plan = read(export_json({"title": "Fine"}, "Task"))  # type: ignore[arg-type]
    assert [(p.row, p.message) for p in plan.errors] == [(2, "This task is not a JSON object.")]


def test_every_problem_of_a_row_is_reported() -> None:
    plan = read("title,status,priority\n,done,urgent\n")
    assert [problem.row for problem in plan.errors] == [2, 2, 2]


def test_a_csv_row_with_extra_cells() -> None:
    plan = read("title,priority\nA,high\nB,low,surprise\nC,medium,,\n")
    assert [task.title for task in plan.tasks] == ["A", "C"]
    assert [(p.row, p.message) for p in plan.errors] == [
        (3, "This row has 3 cells; the header names 2.")
    ]


def test_csv_row_numbers_count_the_header_and_blank_lines() -> None:
    plan = read('title,priority\nA,high\n\n"B\nstill B",low\nC,wrong\n')
    assert [(p.row, p.message[:8]) for p in plan.errors] == [(5, "priority")]


# -- links between occurrences -----------------------------------------------------------


def test_links_between_rows() -> None:
    plan = read(
        export_json(
            {"id": 1, "title": "A"},
            {"id": 2, "title": "B", "recurs_from_id": 1},
            {"id": 2, "title": "C"},
            {"id": 4, "title": "D", "recurs_from_id": 1},
            {"id": 5, "title": "E", "recurs_from_id": 5},
            {"id": 6, "title": "F", "recurs_from_id": 99},  # not in the file: dropped later
        )
    )
    assert [(p.row, p.message) for p in plan.errors] == [
        (3, "id 2 is used twice (first in row 2)."),
        (4, "recurs_from_id 1 is already used by row 2: an occurrence has one successor."),
        (5, "recurs_from_id names the task itself."),
    ]


# -- Todoist ------------------------------------------------------------------------------


def test_todoist_export() -> None:
    plan = read(TODOIST_CSV)
    assert plan.format == "todoist"
    assert plan.skipped == 3  # the section, the comment and the meta row; not the blank line
    assert plan.errors == []
    by_title = {task.title: task for task in plan.tasks}
    assert list(by_title) == [
        "Buy milk",
        "Water plants",
        "Dentist, downtown",
        "Quarterly report",
        "Sub-task without a date",
    ]
    milk = by_title["Buy milk"]
    assert (milk.row, milk.tags, milk.priority, milk.due_date, milk.description) == (
        4,
        ("errands", "home"),
        Priority.HIGH,
        date(2026, 1, 8),
        "Two litres",
    )
    plants = by_title["Water plants"]
    assert (plants.recurrence, plants.due_date, plants.priority) == (
        "FREQ=WEEKLY;BYDAY=MO",
        date(2026, 1, 12),
        Priority.MEDIUM,
    )
    dentist = by_title["Dentist, downtown"]
    assert (dentist.due_date, dentist.due_time, dentist.priority) == (
        date(2027, 1, 15),
        time(10, 30),
        Priority.HIGH,
    )
    report = by_title["Quarterly report"]
    assert (report.due_date, report.recurrence) == (None, None)
    assert report.description == "Todoist date: every 3rd friday starting Jan 9"
    assert [warning.row for warning in plan.warnings] == [8]
    assert plan.warnings[0].message.startswith(
        "The date “every 3rd friday starting Jan 9” could not be read"
    )
    assert by_title["Sub-task without a date"].priority == Priority.MEDIUM
    assert {task.status for task in plan.tasks} == {TaskStatus.PENDING}


@pytest.mark.parametrize(
    ("priority", "expected"),
    [
        ("1", Priority.HIGH),
        ("2", Priority.HIGH),
        ("3", Priority.MEDIUM),
        ("4", Priority.MEDIUM),
        ("", Priority.MEDIUM),
        (" 1 ", Priority.HIGH),
    ],
)
def test_todoist_priorities(priority: str, expected: Priority) -> None:
    assert only_task(read(f"TYPE,CONTENT,PRIORITY\ntask,Call,{priority}\n")).priority == expected


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ("today,en", (date(2026, 1, 7), None, None)),
        ("tomorrow 9am,en", (date(2026, 1, 8), time(9), None)),
        ("every weekday,en", (date(2026, 1, 7), None, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")),
        ("every 2 weeks,", (date(2026, 1, 7), None, "FREQ=WEEKLY;INTERVAL=2")),
        ("2026-03-01,en", (date(2026, 3, 1), None, None)),
        ('"Jan 5, 2026 at 17:00",en', (date(2026, 1, 5), time(17), None)),
        ("Jan 5,en", (date(2027, 1, 5), None, None)),
        ("every day starting Jan 5,en", None),
        ("next month,en", None),
        ("#work,en", None),
        ("morgen,de", None),
        ("tomorrow,de", None),  # not read as English when Todoist says it is not
    ],
)
def test_todoist_dates(cells: str, expected: tuple[object, ...] | None) -> None:
    plan = read(f"TYPE,CONTENT,DATE,DATE_LANG\ntask,Call mom,{cells}\n")
    task = only_task(plan)
    if expected is None:
        assert (task.due_date, task.due_time, task.recurrence) == (None, None, None)
        assert task.description.startswith("Todoist date: ")
        assert [warning.row for warning in plan.warnings] == [2]
    else:
        assert (task.due_date, task.due_time, task.recurrence) == expected
        assert plan.warnings == []


def test_todoist_labels_become_tags() -> None:
    task = only_task(read("type,content\ntask,Call @mom about @weekend-plans @Mom\n"))
    assert (task.title, task.tags) == ("Call about", ("mom", "weekend-plans"))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("task,,1", "CONTENT (the task's name) is empty."),
        ("task," + "x" * 201 + ",1", "CONTENT is longer than 200 characters."),
        ("task,Call,5", "PRIORITY must be 1, 2, 3 or 4, not “5”."),
        ("task,Call,p1", "PRIORITY must be 1, 2, 3 or 4"),
    ],
)
def test_todoist_row_errors(row: str, message: str) -> None:
    plan = read(f"TYPE,CONTENT,PRIORITY\ntask,Fine,4\n{row}\n")
    assert [task.title for task in plan.tasks] == ["Fine"]
    assert [(p.row, p.message[: len(message)]) for p in plan.errors] == [(3, message)]


# -- lists, subtasks and order ---------------------------------------------------------------


def export_v2(*tasks: dict[str, Any], lists: list[dict[str, Any]] | None = None) -> str:
    document: dict[str, Any] = {"format": "todo-web", "version": 2, "tasks": list(tasks)}
    if lists is not None:
        document["lists"] = lists
    return json.dumps(document)


def outline(plan: ImportPlan) -> list[tuple[str, str | None, int | None, int | None]]:
    """(title, list, parent, position) of every task."""
    assert plan.errors == [], plan.errors
    return [(task.title, task.list_name, task.parent, task.position) for task in plan.tasks]


def test_a_version_2_export_keeps_lists_subtasks_and_order() -> None:
    plan = read(
        export_v2(
            {"id": 3, "title": "Walls", "parent": 1, "position": 7},
            {"id": 1, "title": "Paint", "list": "Home", "position": -4},
            {"id": 2, "title": "Errand", "list": "Inbox", "position": 0},
            {"id": 4, "title": "Ceiling", "parent": 3, "list": " home "},
            {"id": 5, "title": "Call", "list": "  Phone\tcalls "},
            lists=[
                {"name": "Inbox", "inbox": True, "position": 0},
                {"name": "Empty", "inbox": False, "position": 9},
                {"name": "Home", "position": 12},
            ],
        )
    )
    assert outline(plan) == [
        ("Walls", "Home", 1, 7),  # a subtask before its parent, in its parent's list
        ("Paint", "Home", None, -4),
        ("Errand", None, None, 0),  # "Inbox" is the importer's Inbox
        ("Ceiling", "Home", 3, None),  # the parent's spelling
        ("Call", "Phone calls", None, None),
    ]
    assert plan.lists == [ImportedList("Empty", 9), ImportedList("Home", 12)]
    assert plan.list_names() == ["Empty", "Home", "Phone calls"]
    assert plan.list_positions() == {"empty": 9, "home": 12}


def test_a_version_1_export_goes_to_the_inbox_and_knows_no_lists() -> None:
    assert outline(read(export_json({"title": "Old"}))) == [("Old", None, None, None)]
    plan = read(export_json({"title": "Old", "list": "Home", "parent": None, "position": 1}))
    assert [problem.message for problem in plan.errors] == [
        "Unknown field(s): list, parent, position."
    ]


def test_a_csv_list_column() -> None:
    plan = read(
        "id,title,list,parent,position\r\n"
        "1,Milk,Groceries,,\r\n"
        "2,Inbox task,,,5\r\n"
        "3,Oat milk,,1,-2\r\n"
        "4,Bread,groceries,,\r\n"
        "5,Also inbox,INBOX,,\r\n"
    )
    assert outline(plan) == [
        ("Milk", "Groceries", None, None),
        ("Inbox task", None, None, 5),
        ("Oat milk", "Groceries", 1, -2),  # a blank list: its parent's
        ("Bread", "groceries", None, None),
        ("Also inbox", None, None, None),
    ]
    assert plan.list_names() == ["Groceries"]


def test_a_subtask_without_an_id_of_its_own() -> None:
    plan = read("id,title,list,parent\n1,Milk,Groceries,\n,Oat milk,,1\n")
    assert outline(plan) == [("Milk", "Groceries", None, None), ("Oat milk", "Groceries", 1, None)]
    deep = [{"id": n, "title": f"T{n}", "parent": n - 1 or None} for n in range(1, 6)]
    plan = read(export_v2(*deep, {"title": "Sixth level", "parent": 5}))
    assert [(problem.row, problem.message) for problem in plan.errors] == [
        (6, "Subtasks nest at most 5 levels deep.")
    ]


@pytest.mark.parametrize(
    ("tasks", "problems"),
    [
        ([{"id": 1, "title": "A", "parent": 9}], [(1, "parent 9 is not the id of a task")]),
        ([{"id": 1, "title": "A", "parent": 1}], [(1, "parent names the task itself.")]),
        ([{"title": "A", "parent": 0}], [(1, "parent must be a positive whole number")]),
        (
            [
                {"id": 1, "title": "A", "parent": 2},
                {"id": 2, "title": "B", "parent": 1},
                {"id": 3, "title": "C", "parent": 2},
            ],
            [(1, "go round in a circle"), (2, "go round in a circle"), (3, "circle")],
        ),
        (
            [{"id": n, "title": f"T{n}", "parent": n - 1 or None} for n in range(1, 8)],
            [(6, "Subtasks nest at most 5 levels deep."), (7, "at most 5 levels")],
        ),
        (
            [
                {"id": 1, "title": "A", "list": "Home"},
                {"id": 2, "title": "B", "parent": 1, "list": "Work"},
            ],
            [
                (
                    2,
                    "A subtask goes in its parent's list: this row names “Work”, its parent's is "
                    "“Home”.",
                )
            ],
        ),
        (
            [{"id": 1, "title": "A"}, {"id": 2, "title": "B", "parent": 1, "list": "Work"}],
            [(2, "its parent's is “Inbox”")],
        ),
        ([{"title": "A", "list": 3}], [(1, "list must be the name of a list.")]),
        ([{"title": "A", "list": "x" * 101}], [(1, "is longer than 100 characters")]),
        ([{"title": "A", "position": 2**62 + 1}], [(1, "position must be a whole number")]),
        ([{"title": "A", "position": 1.5}], [(1, "position must be a whole number")]),
        # A subtask of a row with errors is not flagged again.
        ([{"id": 1, "title": ""}, {"id": 2, "title": "B", "parent": 1}], [(1, "title is empty")]),
    ],
)
def test_subtask_and_list_errors(
    tasks: list[dict[str, Any]], problems: list[tuple[int, str]]
) -> None:
    plan = read(export_v2(*tasks))
    found = [(problem.row, problem.message) for problem in plan.errors]
    assert len(found) == len(problems), found
    for (row, message), (expected_row, part) in zip(found, problems, strict=True):
        assert row == expected_row and part in message


def test_five_levels_are_fine() -> None:
    plan = read(
        export_v2(*({"id": n, "title": f"T{n}", "parent": n - 1 or None} for n in range(1, 6)))
    )
    assert [task.parent for task in plan.tasks] == [None, 1, 2, 3, 4]


def test_too_many_lists() -> None:
    content = "title,list\n" + "".join(f"T,L{n}\n" for n in range(MAX_LISTS + 1))
    with pytest.raises(ImportFileError, match="more than 1,000 lists"):
        read(content, max_rows=MAX_LISTS + 1)
    assert len(read(content.rsplit("T,", 1)[0], max_rows=MAX_LISTS).list_names()) == MAX_LISTS


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("Groceries.csv", "Groceries"),
        ("C:\\fakepath\\Home  repairs.CSV", "Home repairs"),
        ("exports/Work.tar.csv", "Work.tar"),
        ("inbox.csv", None),
        (".csv", None),
        ("", None),
        (None, None),
        ("x" * 150 + ".csv", "x" * 100),
        ("No extension", "No extension"),
    ],
)
def test_the_list_of_a_todoist_file(filename: str | None, expected: str | None) -> None:
    assert list_name_from_filename(filename) == expected


def test_todoist_indents_become_subtasks_in_the_files_list() -> None:
    plan = read(TODOIST_CSV, filename="Errands.csv")
    assert [(task.title, task.list_name, task.parent) for task in plan.tasks] == [
        ("Buy milk", "Errands", None),
        ("Water plants", "Errands", None),
        ("Dentist, downtown", "Errands", 6),  # INDENT 2 under row 6's INDENT 1
        ("Quarterly report", "Errands", None),
        ("Sub-task without a date", "Errands", 8),
    ]
    assert [task.source_id for task in plan.tasks] == [4, 6, 7, 8, 9]
    assert read(TODOIST_CSV).list_names() == []  # no file name: the Inbox


def test_todoist_outline_rules() -> None:
    plan = read(
        "TYPE,CONTENT,INDENT\n"
        "task,A,1\n"
        "task,B,2\n"
        "note,a comment,\n"
        "task,C,3\n"
        "task,D,2\n"
        "task,E,\n"  # empty: 1
        "section,Next,\n"
        "task,F,1\n"
        "task,G,2\n",
        filename="Plan.csv",
    )
    assert [(task.title, task.parent) for task in plan.tasks] == [
        ("A", None),
        ("B", 2),
        ("C", 3),
        ("D", 2),
        ("E", None),
        ("F", None),
        ("G", 9),
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("task,A,2", "INDENT 2 follows no task with INDENT 1"),
        ("task,A,1\ntask,B,3", "INDENT 3 follows no task with INDENT 2"),
        ("task,A,1\nsection,S,\ntask,B,2", "INDENT 2 follows no task with INDENT 1"),
        ("task,A,6", "INDENT must be a whole number from 1 to 5, not “6”."),
        ("task,A,x", "INDENT must be a whole number from 1 to 5"),
        ("task,A,0", "INDENT must be a whole number from 1 to 5"),
    ],
)
def test_todoist_indent_errors(rows: str, message: str) -> None:
    plan = read(f"TYPE,CONTENT,INDENT\n{rows}\n")
    assert [problem.message[: len(message)] for problem in plan.errors] == [message]


def test_a_subtask_of_a_broken_todoist_row_is_not_flagged_again() -> None:
    plan = read("TYPE,CONTENT,INDENT,PRIORITY\ntask,A,1,9\ntask,B,2,\n")
    assert [(problem.row, problem.message[:8]) for problem in plan.errors] == [(2, "PRIORITY")]


def test_a_todoist_project_column_names_the_list() -> None:
    plan = read(
        "TYPE,CONTENT,INDENT,PROJECT\n"
        "task,Milk,1,Groceries\n"
        "task,Oat milk,2,\n"
        "task,Report,1,\n"
        "task,Errand,1,Inbox\n",
        filename="export.csv",
    )
    assert [(task.title, task.list_name) for task in plan.tasks] == [
        ("Milk", "Groceries"),
        ("Oat milk", "Groceries"),
        ("Report", "export"),  # an empty cell: the file's list
        ("Errand", None),
    ]
