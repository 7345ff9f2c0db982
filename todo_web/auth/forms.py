"""Account forms. Field names are part of the public contract (see DESIGN.md)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from ..models import EMAIL_MAX, NAME_MAX

PASSWORD_MIN = 8
PASSWORD_MAX = 1000


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def normalize_email(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) else value


def new_password_field(label: str = "Password") -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired(),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=f"Use between {PASSWORD_MIN} and {PASSWORD_MAX} characters.",
            ),
        ],
    )


def confirm_field(of: str = "password") -> PasswordField:
    return PasswordField(
        "Confirm password",
        validators=[InputRequired(), EqualTo(of, message="The passwords do not match.")],
    )


class RegistrationForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=NAME_MAX)])
    email = EmailField(
        "E-mail",
        filters=[normalize_email],
        validators=[DataRequired(), Length(max=EMAIL_MAX), Email()],
    )
    password = new_password_field()
    confirm = confirm_field()


class LoginForm(FlaskForm):
    email = EmailField(
        "E-mail", filters=[normalize_email], validators=[DataRequired(), Length(max=EMAIL_MAX)]
    )
    # No minimum here: a login form must not tell which rule a stored password follows.
    password = PasswordField("Password", validators=[InputRequired(), Length(max=PASSWORD_MAX)])
    remember = BooleanField("Remember me")


class ResetRequestForm(FlaskForm):
    email = EmailField(
        "E-mail",
        filters=[normalize_email],
        validators=[DataRequired(), Length(max=EMAIL_MAX), Email()],
    )


class ResetPasswordForm(FlaskForm):
    password = new_password_field("New password")
    confirm = confirm_field()


class UnlockForm(FlaskForm):
    """The unlock page's button: only the CSRF token."""
