"""Settings forms, one per section of the page; each posts to its own URL.

Field names: `name`, `timezone` (POST /settings); `notify_task_changes`,
`notify_daily_digest`, `reminder_hour` (POST /settings/notifications); `current_password`,
`password`, `confirm` (POST /settings/password); `password` (POST /settings/delete).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ..auth.forms import PASSWORD_MAX, confirm_field, new_password_field, strip
from ..models import DEFAULT_REMINDER_HOUR, NAME_MAX
from .zones import canonical_zone, sorted_zone_names, zone_names


def known_timezone(form: FlaskForm, field: Field) -> None:
    if field.data not in zone_names():
        raise ValidationError(
            f"Unknown time zone “{field.data}”. Choose one from the list, "
            "e.g. Europe/Berlin or America/New_York."
        )


class ProfileForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=NAME_MAX)])
    # A text field with suggestions rather than a <select> of ~600 names: it can be searched
    # by typing ("berl"), with or without JavaScript (see zones.py for what is accepted).
    timezone = StringField(
        "Time zone",
        filters=[strip, canonical_zone],
        validators=[DataRequired(message="Choose a time zone."), known_timezone],
    )

    @staticmethod
    def zone_names() -> tuple[str, ...]:
        """The names the page suggests, in order."""
        return sorted_zone_names()


class NotificationsForm(FlaskForm):
    notify_task_changes = BooleanField("Mail me when a task is created, changed or deleted")
    notify_daily_digest = BooleanField(
        "Mail me a digest of today's and overdue tasks at 08:00 every morning"
    )
    # Left out of a POST, the hour stays as it is.
    reminder_hour = SelectField(
        "Remind me of tasks with a date but no time at",
        choices=[SelectChoice(str(hour), f"{hour:02d}:00") for hour in range(24)],
        default=str(DEFAULT_REMINDER_HOUR),
        validate_choice=False,
    )

    def validate_reminder_hour(self, field: Field) -> None:
        if field.raw_data and field.data not in {str(hour) for hour in range(24)}:
            raise ValidationError("Choose an hour from 00:00 to 23:00.")

    @property
    def chosen_reminder_hour(self) -> int | None:
        """The hour posted, or None when the form did not carry the field."""
        return int(self.reminder_hour.data) if self.reminder_hour.raw_data else None


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
