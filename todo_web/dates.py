"""The names of days and months (English), for every place that shows or reads them: the
list's due labels and day headings, quick add, rules in words, toasts, mails. Not strftime's
%a/%A/%b/%B, which follow the process's locale."""

from __future__ import annotations

from datetime import date

#: In date.weekday() order: Monday is 0.
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Month 1 (January) at index 0.
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def weekday_name(day: date) -> str:
    """ "Friday"."""
    return WEEKDAY_NAMES[day.weekday()]


def month_name(day: date) -> str:
    """ "November"."""
    return MONTH_NAMES[day.month - 1]


def short_date(day: date, *, year: bool = True) -> str:
    """ "Fri 20 Nov 2026" ("Fri 20 Nov" without the year)."""
    text = f"{weekday_name(day)[:3]} {day.day} {month_name(day)[:3]}"
    return f"{text} {day.year}" if year else text


def long_date(day: date) -> str:
    """ "Friday 20 November"."""
    return f"{weekday_name(day)} {day.day} {month_name(day)}"
