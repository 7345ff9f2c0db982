"""The list's query string: parsed and validated into `ListQuery`, and written back.

The whole state of the list lives in the URL (`hx-push-url`), so back, reload and a shared
link show the same list. Unknown values of a closed set (status, sort, ...) are a 400 with a
message naming the parameter; free text (`q`) never fails; `per_page` out of range clamps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from ..models import TaskStatus

STATUS_FILTERS = ("open", *(status.value for status in TaskStatus), "all")
PRIORITY_FILTERS = ("low", "medium", "high")
DUE_FILTERS = ("overdue", "today", "week", "none")
SORT_KEYS = ("manual", "created", "updated", "title", "priority", "due", "completed")
VIEWS = ("today", "upcoming", "overdue", "nodate", "completed")
#: `assignee=me`: what is assigned to the user (the "Assigned to me" view).
ASSIGNEE_FILTERS = ("me",)
ORDERS = ("asc", "desc")

DEFAULT_STATUS = "open"
DEFAULT_SORT = "created"
DEFAULT_ORDER = "desc"
#: Inside one list: the user's own order, top to bottom.
LIST_SORT = "manual"
LIST_ORDER = "asc"
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_QUERY_LENGTH = 200
MAX_TAG_FILTERS = 10
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")

STATUS_LABELS = {
    "open": "Open",
    **{status.value: status.label for status in TaskStatus},
    "all": "All",
}
DUE_LABELS = {"overdue": "Overdue", "today": "Due today", "week": "Next 7 days", "none": "No date"}
SORT_LABELS = {
    "manual": "My order",
    "created": "Created",
    "updated": "Updated",
    "title": "Title",
    "priority": "Priority",
    "due": "Due date",
    "completed": "Completion",
}
VIEW_LABELS = {
    "today": "Today",
    "upcoming": "Upcoming",
    "overdue": "Overdue",
    "nodate": "No date",
    "completed": "Completed",
}
#: Where each smart view link goes: the view plus the order that suits it.
VIEW_ORDER = {
    "today": ("due", "asc"),
    "upcoming": ("due", "asc"),
    "overdue": ("due", "asc"),
    "nodate": ("created", "desc"),
    "completed": ("completed", "desc"),
}


class BadListQuery(ValueError):
    """A query parameter the list cannot honour; the message is shown to the user."""


@dataclass(frozen=True)
class ListQuery:
    """What the list shows. A smart `view` (today, upcoming, ...) decides the status filter
    itself, so `status` is ignored while a view is set."""

    view: str | None = None
    list_id: int | None = None
    q: str = ""
    status: str = DEFAULT_STATUS
    priority: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    due: str | None = None
    assignee: str | None = None
    sort: str = DEFAULT_SORT
    order: str = DEFAULT_ORDER
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    def to_params(self, **changes: object) -> list[tuple[str, str]]:
        """Query parameters for this list with `changes` applied; defaults left out."""
        query = replace(self, **changes) if changes else self  # type: ignore[arg-type]
        params: list[tuple[str, str]] = []
        if query.list_id is not None:
            params.append(("list", str(query.list_id)))
        if query.view:
            params.append(("view", query.view))
        if query.q:
            params.append(("q", query.q))
        if query.status != DEFAULT_STATUS and not query.view:
            params.append(("status", query.status))
        if query.priority:
            params.append(("priority", query.priority))
        params.extend(("tag", tag) for tag in query.tags)
        if query.due:
            params.append(("due", query.due))
        if query.assignee:
            params.append(("assignee", query.assignee))
        if query.sort != query.default_sort:
            params.append(("sort", query.sort))
        if query.order != query.default_order:
            params.append(("order", query.order))
        if query.page != 1:
            params.append(("page", str(query.page)))
        if query.per_page != DEFAULT_PER_PAGE:
            params.append(("per_page", str(query.per_page)))
        return params

    def url(self, **changes: object) -> str:
        """A /tasks URL for this list with `changes`; a filter change goes back to page 1."""
        if "page" not in changes and set(changes) - {"per_page"}:
            changes["page"] = 1
        params = self.to_params(**changes)
        return "/tasks" + ("?" + urlencode(params) if params else "")

    @property
    def default_sort(self) -> str:
        return LIST_SORT if self.list_id is not None else DEFAULT_SORT

    @property
    def default_order(self) -> str:
        return LIST_ORDER if self.list_id is not None else DEFAULT_ORDER

    @property
    def is_manual(self) -> bool:
        """The user's own order: subtasks nest under their parents, rows can be moved."""
        return self.sort == LIST_SORT

    @property
    def can_reorder(self) -> bool:
        """Rows can be dragged and moved: one list, in its order, nothing hidden that a
        move would jump over except by status."""
        return (
            self.is_manual
            and self.list_id is not None
            and not (self.view or self.q or self.priority or self.tags or self.due)
            and not self.assignee
        )

    def without_tag(self, tag: str) -> str:
        return self.url(tags=tuple(t for t in self.tags if t != tag))

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.view
            or self.q
            or self.priority
            or self.tags
            or self.due
            or self.assignee
            or self.status != "open"
        )

    @property
    def groups_by_day(self) -> bool:
        return self.view == "upcoming"


@cache  # a handful of fixed URLs, on every page's sidebar
def view_url(view: str) -> str:
    sort, order = VIEW_ORDER[view]
    return ListQuery(view=view, sort=sort, order=order).url()


def _choice(
    args: MultiDict[str, str], name: str, choices: tuple[str, ...], default: str | None
) -> str | None:
    raw = args.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in choices:
        raise BadListQuery(f"Unknown {name} {raw[:40]!r}: use one of {', '.join(choices)}.")
    return raw


def _whole_number(args: MultiDict[str, str], name: str, default: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not _WHOLE_NUMBER.fullmatch(raw) or len(raw) > 9:
        raise BadListQuery(f"{name} must be a whole number.")
    return int(raw)


def _clean_text(value: str, limit: int) -> str:
    """Collapse whitespace and drop control characters (PostgreSQL refuses NUL in text), then
    cut to `limit` characters without leaving a space at the end, so that the URL written
    back for the list reads as the same list."""
    printable = "".join(ch if ch.isprintable() else " " for ch in value)
    return " ".join(printable.split())[:limit].rstrip()


def _list_id(args: MultiDict[str, str]) -> int | None:
    raw = args.get("list", "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise BadListQuery("list must be a list's id (a whole number).")
    return int(raw)


def parse_list_query(args: MultiDict[str, str]) -> ListQuery:
    list_id = _list_id(args)
    in_list = list_id is not None
    tags: list[str] = []
    for raw in args.getlist("tag"):
        name = _clean_text(raw, 50)
        if name and name.casefold() not in {t.casefold() for t in tags}:
            tags.append(name)
    if len(tags) > MAX_TAG_FILTERS:
        raise BadListQuery(f"Filter by at most {MAX_TAG_FILTERS} tags at once.")
    return ListQuery(
        view=_choice(args, "view", VIEWS, None),
        list_id=list_id,
        q=_clean_text(args.get("q", ""), MAX_QUERY_LENGTH),
        status=_choice(args, "status", STATUS_FILTERS, DEFAULT_STATUS) or DEFAULT_STATUS,
        priority=_choice(args, "priority", PRIORITY_FILTERS, None),
        tags=tuple(tags),
        due=_choice(args, "due", DUE_FILTERS, None),
        assignee=_choice(args, "assignee", ASSIGNEE_FILTERS, None),
        sort=_choice(args, "sort", SORT_KEYS, LIST_SORT if in_list else DEFAULT_SORT)
        or DEFAULT_SORT,
        order=_choice(args, "order", ORDERS, LIST_ORDER if in_list else DEFAULT_ORDER)
        or DEFAULT_ORDER,
        page=max(1, _whole_number(args, "page", 1)),
        per_page=min(MAX_PER_PAGE, max(1, _whole_number(args, "per_page", DEFAULT_PER_PAGE))),
    )
