"""The form's `repeat` presets and the RRULE each stands for."""

from __future__ import annotations

from wtforms import SelectChoice

from .forms import TaskForm

PRESET_RULES = {
    "daily": "FREQ=DAILY",
    "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "weekly": "FREQ=WEEKLY",
    "monthly": "FREQ=MONTHLY",
    "yearly": "FREQ=YEARLY",
}


def recurrence_for_form(form: TaskForm, current_rule: str | None) -> str | None:
    repeat = form.repeat.data
    if repeat == "custom":
        return current_rule
    return PRESET_RULES.get(repeat)


def repeat_choice_for_rule(rule: str | None) -> str:
    if not rule:
        return "none"
    for choice, preset in PRESET_RULES.items():
        if preset == rule:
            return choice
    return "custom"


def offer_current_rule(form: TaskForm, rule: str | None) -> None:
    """A rule no preset stands for (one from quick add, say) becomes the choice "custom" on
    the edit form, so that saving the form unchanged keeps the rule instead of dropping it."""
    if repeat_choice_for_rule(rule) == "custom":
        form.repeat.choices = [*form.repeat.choices, SelectChoice("custom", f"Custom: {rule}")]
