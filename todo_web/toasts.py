"""Toasts: the short messages in the corner, some with an Undo button.

A toast is built here, in Python, and drawn by one partial (templates/_toast.html). An htmx
answer appends it out of band (`toast_oob`); a plain form POST flashes it (`flash_toast`)
and the page it redirects to draws it from `pending_toasts()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from flask import Flask, flash, get_flashed_messages, render_template

#: The flash category of a toast flashed whole (a dict of its fields).
_CATEGORY = "toast"


@dataclass(frozen=True)
class Toast:
    """A message (category: success, info, error) and, optionally, what its Undo does:
    restore one deleted task (`undo_task_id`), or apply the bulk `undo_action` to
    `undo_ids`, or post to `undo_url` (a list's restore)."""

    message: str
    category: str = "success"
    undo_task_id: int | None = None
    undo_ids: tuple[int, ...] = ()
    undo_action: str = "restore"
    undo_url: str | None = None
    #: The bulk action's `value` (the list a move goes back to).
    undo_value: str = ""


def toast_oob(
    message: str,
    category: str = "success",
    undo_task_id: int | None = None,
    *,
    undo_ids: Sequence[int] | None = None,
    undo_action: str = "restore",
    undo_value: str = "",
) -> str:
    """The toast, for an htmx answer: appended to #toasts out of band."""
    toast = Toast(
        message,
        category,
        undo_task_id,
        tuple(undo_ids or ()),
        undo_action,
        undo_value=undo_value,
    )
    return render_toast_oob(toast)


def render_toast_oob(toast: Toast) -> str:
    return render_template("_toast_oob.html", toast=toast)


def flash_toast(toast: Toast) -> None:
    """Keep the toast for the next page (after a plain form POST's redirect)."""
    fields: dict[str, Any] = asdict(toast)
    fields["undo_ids"] = list(toast.undo_ids)
    flash(fields, _CATEGORY)


def pending_toasts() -> list[Toast]:
    """The toasts flashed for this page: whole toasts, and plain `flash(message, category)`
    messages as toasts without Undo."""
    toasts = []
    for category, message in get_flashed_messages(with_categories=True):
        if category == _CATEGORY and isinstance(message, dict):
            toasts.append(Toast(**{**message, "undo_ids": tuple(message["undo_ids"])}))
        else:
            toasts.append(Toast(str(message), category))
    return toasts


def init_app(app: Flask) -> None:
    app.add_template_global(pending_toasts)
