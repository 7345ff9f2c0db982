"""The create/edit form. Field names are the public contract of DESIGN.md."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from .. import recurrence
from ..ids import id_from_text, is_id
from ..lists.members import Member
from ..models import (
    DESCRIPTION_MAX,
    REMIND_LABELS,
    REMIND_MINUTES,
    TAG_NAME_MAX,
    TITLE_MAX,
    Priority,
    Role,
    Task,
    TaskList,
    TaskStatus,
)
from .lifecycle import KEEP, Keep, TaskData
from .tags import parse_tag_names

MAX_TAGS_PER_TASK = 20
REPEAT_CHOICES = [
    SelectChoice("none", "Does not repeat"),
    SelectChoice("daily", "Every day"),
    SelectChoice("weekdays", "Every weekday"),
    SelectChoice("weekly", "Every week"),
    SelectChoice("monthly", "Every month"),
    SelectChoice("yearly", "Every year"),
]


#: The reminder choices of DESIGN.md: "none", or minutes before the due moment.
REMIND_CHOICES = [SelectChoice("none", "No reminder")] + [
    SelectChoice(str(minutes), REMIND_LABELS[minutes]) for minutes in REMIND_MINUTES
]


def chosen_id(value: object) -> int | None:
    """A picker's id (checked by is_id first), None when left blank."""
    return id_from_text(value)


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _no_nul(value: str | None) -> str | None:
    # PostgreSQL refuses NUL in text; strip it here rather than fail at the database.
    return value.replace("\x00", "") if isinstance(value, str) else value


class TaskForm(FlaskForm):
    title = StringField(
        "Title",
        filters=[_no_nul, _strip],
        validators=[
            DataRequired(message="A task needs a title."),
            Length(max=TITLE_MAX, message=f"Keep the title under {TITLE_MAX + 1} characters."),
        ],
    )
    description = TextAreaField(
        "Notes",
        filters=[_no_nul, lambda v: v.rstrip() if isinstance(v, str) else v],
        validators=[Optional(), Length(max=DESCRIPTION_MAX)],
    )
    priority = SelectField(
        "Priority",
        choices=[SelectChoice(p.label, p.label.capitalize()) for p in reversed(Priority)],
        default=Priority.MEDIUM.label,
    )
    status = SelectField(
        "Status",
        choices=[SelectChoice(s.value, s.label) for s in TaskStatus],
        default=TaskStatus.PENDING.value,
    )
    due_date = DateField("Due date", format="%Y-%m-%d", validators=[Optional()])
    due_time = TimeField("Time", format="%H:%M", validators=[Optional()])
    tags = StringField(
        "Tags",
        filters=[_no_nul],
        validators=[Optional(), Length(max=2000)],
        description="Separate tags with commas.",
    )
    repeat = SelectField("Repeat", choices=REPEAT_CHOICES, default="none")
    interval = IntegerField(
        "Every",
        default=1,
        validators=[Optional(), NumberRange(min=1, max=recurrence.INTERVAL_MAX)],
        description="1 = every day/week/month/year, 2 = every other, ...",
    )

    # Left out of an edit POST, it keeps the reminder as it is. A task with a date but no
    # time is due at the reminder hour of settings.
    remind = SelectField(
        "Remind me",
        choices=REMIND_CHOICES,
        default="none",
        validate_choice=False,
        description="By e-mail, and on the devices you turned notifications on for.",
    )

    # Ids checked by the view through todo_web.access (404 for a list or task the user
    # cannot see, 403 for one they may not change), not by the choices, which only offer.
    # Left out of an edit POST, they keep the task where it is.
    list = SelectField("List", choices=[], validate_choice=False)
    parent = SelectField("Subtask of", choices=[], validate_choice=False)
    # Checked against the members of the list the task ends up in (`check_assignee`).
    assignee = SelectField("Assigned to", choices=[], validate_choice=False)

    def __init__(self, *args: object, custom_rule: str | None = None, **kwargs: object) -> None:
        """`custom_rule`: the task's stored rule when no preset describes it (one made by
        quick add, say); the form then offers to keep it as "custom"."""
        super().__init__(*args, **kwargs)
        self.custom_rule = custom_rule
        self.rule: str | None = None
        #: Whether the form shows the assignee picker: only for a list with more than one
        #: member (`offer`). The field is accepted either way.
        self.show_assignee = False
        if custom_rule:
            label = f"Custom: {recurrence.describe_rule(custom_rule)}"
            self.repeat.choices = [*REPEAT_CHOICES, SelectChoice("custom", label)]

    @classmethod
    def for_task(cls, task: Task) -> TaskForm:
        """The edit form filled from the task: its fields, its tags as typed text, and its
        rule as the preset it reads as (or as "custom")."""
        form = cls(obj=task, custom_rule=cls.custom_rule_of(task))
        form.list.data = str(task.list_id)
        form.parent.data = str(task.parent_id or "")
        form.assignee.data = str(task.assignee_id or "")
        form.remind.data = "none" if task.remind_minutes is None else str(task.remind_minutes)
        form.priority.data = task.priority.label
        form.status.data = task.status.value
        form.tags.data = ", ".join(tag.name for tag in task.tags)
        preset = recurrence.repeat_choice_for_rule(task.recurrence)
        form.repeat.data, form.interval.data = preset or ("custom", 1)
        return form

    @staticmethod
    def custom_rule_of(task: Task) -> str | None:
        """The task's rule when no preset describes it, to keep as "custom" on submit."""
        if recurrence.repeat_choice_for_rule(task.recurrence) is None:
            return task.recurrence
        return None

    def validate_repeat(self, field: SelectField) -> None:
        """Turn repeat + interval into the RRULE to store (kept on `self.rule`)."""
        if field.data == "custom":
            self.rule = self.custom_rule
            return
        try:
            self.rule = recurrence.rule_for_repeat(
                field.data, self.interval.data or 1, anchor=self.due_date.data
            )
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def validate_list(self, field: SelectField) -> None:
        if not is_id(field.data, blank_ok=True):
            raise ValidationError("Pick a list.")

    def validate_parent(self, field: SelectField) -> None:
        if not is_id(field.data, blank_ok=True):
            raise ValidationError("Pick a parent task, or none.")

    def validate_assignee(self, field: SelectField) -> None:
        if not is_id(field.data, blank_ok=True):
            raise ValidationError("Pick someone to assign the task to, or no one.")

    @property
    def assignee_given(self) -> bool:
        """Whether the submitted form carried the assignee field (an empty one unassigns;
        a form without it leaves the assignee as it is)."""
        return bool(self.assignee.raw_data)

    def check_assignee(self, assignable: Sequence[Member]) -> bool:
        """Whether the chosen assignee may be given tasks of the list (its owner or an
        editor); if not, the field says who may. Call after `validate`."""
        chosen = chosen_id(self.assignee.data) if self.assignee_given else None
        if chosen is None or any(member.user_id == chosen for member in assignable):
            return True
        names = ", ".join(member.name for member in assignable)
        self.assignee.errors = [
            f"Tasks of this list can be assigned to its owner and editors: {names}."
        ]
        return False

    def offer(
        self,
        lists: Sequence[TaskList],
        parents: Sequence[Task],
        members: Sequence[Member] = (),
    ) -> TaskForm:
        """Fill the pickers' choices: the user's lists, the tasks that can be a parent
        here, and who a task of the list can be assigned to (its owner and editors; the
        picker shows only when the list has more than one member)."""
        self.list.choices = [SelectChoice(str(item.id), item.name) for item in lists]
        self.parent.choices = [SelectChoice("", "None (top level)")] + [
            SelectChoice(str(task.id), task.title) for task in parents
        ]
        self.show_assignee = len(members) > 1
        self.assignee.choices = [SelectChoice("", "No one")] + [
            SelectChoice(str(member.user_id), member.name)
            for member in members
            if member.role != Role.VIEWER
        ]
        return self

    def validate_due_time(self, field: TimeField) -> None:
        if field.data is not None and self.due_date.data is None:
            raise ValidationError("Pick a date for this time.")

    def validate_remind(self, field: SelectField) -> None:
        if field.data not in {choice.value for choice in REMIND_CHOICES}:
            raise ValidationError(
                "Choose when to be reminded: no reminder, when it is due, 10, 30 or 60 "
                "minutes before, or a day before."
            )
        repeats = self.repeat.data not in (None, "none")
        if field.data != "none" and self.due_date.data is None and not repeats:
            raise ValidationError("A reminder needs a due date: pick one, or no reminder.")

    @property
    def remind_given(self) -> bool:
        """Whether the submitted form carried the reminder (else an edit keeps it)."""
        return bool(self.remind.raw_data)

    def validate_tags(self, field: StringField) -> None:
        names = parse_tag_names(field.data)
        too_long = [n for n in names if len(n) > TAG_NAME_MAX]
        if too_long:
            raise ValidationError(f"Tags can be at most {TAG_NAME_MAX} characters long.")
        if len(names) > MAX_TAGS_PER_TASK:
            raise ValidationError(f"A task can have at most {MAX_TAGS_PER_TASK} tags.")

    def to_data(self) -> TaskData:
        return TaskData(
            title=self.title.data,
            description=self.description.data or "",
            priority=Priority.from_label(self.priority.data),
            status=TaskStatus(self.status.data),
            due_date=self.due_date.data,
            due_time=self.due_time.data,
            tags=parse_tag_names(self.tags.data),
            recurrence=self.rule,
            assignee_id=self._assignee_id(),
            remind_minutes=self._remind_minutes(),
        )

    def _remind_minutes(self) -> int | Keep | None:
        if not self.remind_given:
            return KEEP
        return None if self.remind.data == "none" else int(self.remind.data)

    def _assignee_id(self) -> int | Keep | None:
        return chosen_id(self.assignee.data) if self.assignee_given else KEEP
