"""Settings forms, one per section of the page; each posts to its own URL.

Field names: `name`, `timezone` (POST /settings); `notify_task_changes`,
`notify_daily_digest` (POST /settings/notifications); `current_password`, `password`,
`confirm` (POST /settings/password); `password` (POST /settings/delete).
"""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ..auth.forms import PASSWORD_MAX, confirm_field, new_password_field, strip
from ..models import NAME_MAX


@lru_cache(maxsize=1)
def timezone_names() -> frozenset[str]:
    """IANA zone names known to this machine (the tzdata package or /usr/share/zoneinfo)."""
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(timezone_names())]


def known_timezone(form: FlaskForm, field: Field) -> None:
    if field.data not in timezone_names():
        raise ValidationError(
            f"Unknown time zone “{field.data}”. Choose one from the list, "
            "e.g. Europe/Berlin or America/New_York."
        )


class ProfileForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=NAME_MAX)])
    timezone = SelectField(
        "Time zone",
        choices=timezone_choices,
        # Checked by known_timezone instead, whose message says what is wrong.
        validate_choice=False,
        filters=[strip],
        validators=[DataRequired(message="Choose a time zone."), known_timezone],
    )


class NotificationsForm(FlaskForm):
    notify_task_changes = BooleanField("Mail me when a task is created, changed or deleted")
    notify_daily_digest = BooleanField(
        "Mail me a digest of today's and overdue tasks at 08:00 every morning"
    )


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[InputRequired(), Length(max=PASSWORD_MAX)]
    )
    password = new_password_field("New password")
    confirm = confirm_field()


class DeleteAccountForm(FlaskForm):
    # Its own id: the password section of the same page has a field named `password` too.
    password = PasswordField(
        "Your password",
        id="delete-password",
        validators=[InputRequired(), Length(max=PASSWORD_MAX)],
    )
