"""The list form: its one field, `name` (DESIGN.md)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..models import LIST_NAME_MAX


def _clean(value: str | None) -> str | None:
    """Stripped, with runs of whitespace and control characters made one space."""
    if not isinstance(value, str):
        return value
    return " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())


class ListForm(FlaskForm):
    name = StringField(
        "Name",
        filters=[_clean],
        validators=[
            DataRequired(message="A list needs a name."),
            Length(
                max=LIST_NAME_MAX,
                message=f"Keep the name under {LIST_NAME_MAX + 1} characters.",
            ),
        ],
    )
