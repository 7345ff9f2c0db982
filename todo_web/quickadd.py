"""Quick add: one line of text to the fields of a task.

``parse_quick_add("Pay rent every month on the 1st #bills !high", today=today, tz=tz)`` gives
a ``QuickAdd`` with title "Pay rent", recurrence ``FREQ=MONTHLY;BYMONTHDAY=1``, due date the
next 1st, tags ``["bills"]`` and priority "high". Pure: no Flask, no database. The tasks
blueprint creates the task from the fields (tags by name, priority via
``Priority.from_label``); ``today`` is the user's local date. The live preview shows
``QuickAdd.tokens`` as removable chips: ``QuickAdd.without(i)`` is the text with chip ``i``
taken out, to put back in the input and parse again.

What is understood (keywords case-insensitive; a keyword counts only as a whole word, so
"Todayish" and "mondays" stay title text; punctuation right after one, as in "tomorrow,", is
allowed and stays in the title):

- dates: ``today``, ``tomorrow``; a weekday (``monday`` or ``mon``, optionally after "on"),
  the first such day *after* today; ``next monday``, Monday of next week (weeks start on
  Monday, so on a Friday "next monday" is in three days and on a Monday in seven);
  ``in 3 days``/``in 2 weeks``/``in 1 month``/``in a year``; ISO ``2026-12-24``;
  ``on the 1st``, the next 1st on or after today (from the 31st dateutil skips months without
  one); ``dec 25``, ``25 dec``, ``december 25th``, optionally with a year (``dec 25 2027``),
  without one the next such day on or after today.
- times: ``5pm``, ``5:30pm``, ``5 pm``, ``17:00``, optionally after "at"; ``at 9`` is 09:00
  (a bare number needs the "at"). A time without a date means today, as in Todoist, even when
  that hour has passed (the task is then simply overdue).
- repeats: ``every day``, ``every weekday``, ``every week``, ``every month``, ``every year``,
  ``every 2 days``/``every 3 weeks``/``every other month`` (intervals 1..365), ``every workday``,
  ``every monday``, ``every month on the 1st`` (``FREQ=MONTHLY;BYMONTHDAY=1``). Single words
  like "daily" or "weekly" are left alone: "Weekly report" is a title. A repeat without a date
  sets the due date to its first date on or after today ("every monday" on a Monday is today);
  with a date, to its first date on or after that date.
- ``#tag``: letters, digits, ``-`` and ``_``, at most 50 of them; several allowed, kept in
  order, repeated ones (any case) dropped after the first spelling.
- ``+List`` (letters, digits, ``-`` and ``_``) or ``+"List with spaces"``: the list to put
  the task in, by name (the blueprint looks it up; an unknown name is an error there).
- priority: ``!high``, ``!medium``, ``!low``, or ``!1`` (high), ``!2`` (medium), ``!3`` (low).
- text in double quotes (straight or curly) is kept literally, quotes removed: nothing inside
  is parsed.

The first date, time, repeat and priority win; later ones stay in the title as written.
Everything not recognised is the title, whitespace collapsed, control characters dropped,
cut at 200 characters. When nothing is left for a title the whole input is the title (the
recognised pieces still apply). Only an input with nothing printable raises ``QuickAddError``;
any other text parses.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta

from . import recurrence
from .dates import MONTH_NAMES, WEEKDAY_NAMES, short_date
from .models import LIST_NAME_MAX, TAG_NAME_MAX, TITLE_MAX

KINDS = ("date", "time", "repeat", "tag", "priority", "list")
_ONE_EACH = ("date", "time", "repeat", "priority", "list")
# A list name after "+": one word, or anything in straight or curly double quotes.
_LIST = re.compile(
    rf"\+(?:\"(?P<q>[^\"]{{1,{LIST_NAME_MAX}}})\"|“(?P<cq>[^”]{{1,{LIST_NAME_MAX}}})”"
    rf"|(?P<w>[\w-]{{1,{LIST_NAME_MAX}}}))"
)


class QuickAddError(ValueError):
    """The quick-add text was empty; the message is meant for the user."""


@dataclass(frozen=True)
class Token:
    """A recognised piece of the input: ``text == source[start:end]``."""

    kind: str  # one of KINDS
    text: str
    start: int
    end: int
    label: str  # for the chip: "Fri 9 Jan 2026", "17:00", "every Monday", "#bills", ...


@dataclass(frozen=True)
class QuickAdd:
    """What one line of quick-add text says; ``tags`` and ``tokens`` are in text order."""

    text: str  # the input, as given: token offsets point into it
    title: str
    due_date: date | None
    due_time: time | None
    recurrence: str | None  # a normalized RRULE (see todo_web.recurrence)
    tags: list[str]
    priority: str | None  # "low" | "medium" | "high"
    list_name: str | None  # as typed after "+", quotes removed
    tokens: list[Token]

    def without(self, index: int) -> str:
        """The input with recognised piece ``index`` removed (IndexError if there is none)."""
        token = self.tokens[index]
        return _glue(self.text[: token.start], self.text[token.end :]).strip()


def parse_quick_add(text: str, *, today: date, tz: str = "UTC") -> QuickAdd:
    """Parse one line of quick-add text; see the module docstring for what it understands.

    ``today`` is the user's local date, which every relative date is counted from. ``tz`` is
    the user's zone; times are read as wall-clock times there and need no conversion, so the
    parser itself does not use it. Raises ``QuickAddError`` only for input with nothing
    printable in it.
    """
    if not _clean(text):
        raise QuickAddError("Type a task to add, e.g. “Pay rent every month on the 1st #bills”.")

    masked, quote_marks = _mask_quotes(text)
    found: list[tuple[str, int, int, object]] = []
    taken: set[str] = set()
    # The first +List, quoted or not, read before the quotes are set aside.
    for match in _LIST.finditer(text):
        at_word_start = match.start() == 0 or text[match.start() - 1].isspace()
        at_word_end = match.end() == len(text) or not (
            text[match.end()].isalnum() or text[match.end()] in '_-"“”'
        )
        name = _clean(match["q"] or match["cq"] or match["w"] or "")
        if at_word_start and at_word_end and name and _MASK not in masked[match.start()]:
            found.append(("list", match.start(), match.end(), name))
            taken.add("list")
            masked = (
                masked[: match.start()]
                + _MASK * (match.end() - match.start())
                + masked[match.end() :]
            )
            quote_marks -= set(range(match.start(), match.end()))
            break
    position = 0
    while position < len(masked):
        starts_word = not masked[position].isspace() and (
            position == 0 or masked[position - 1].isspace()
        )
        match = _longest_match(masked, position, today) if starts_word else None
        if match is None:
            position += 1
            continue
        kind, end, value = match
        if kind not in taken:  # a second date, time, repeat or priority stays title text
            found.append((kind, position, end, value))
            if kind in _ONE_EACH:
                taken.add(kind)
        position = end

    values = {kind: value for kind, _, _, value in reversed(found)}  # the first of each kind
    explicit_date = values.get("date")
    due_time = values.get("time")
    rule = values.get("repeat")
    due_date = explicit_date
    if rule is not None:
        due_date = _first_date(rule, explicit_date or today)
        if due_date is None:  # the series has no date from there: only near the year 9999
            found = [piece for piece in found if piece[0] != "repeat"]
            rule, due_date = None, explicit_date
    if due_date is None and due_time is not None:
        due_date = today

    tags: list[str] = []
    seen: set[str] = set()
    tokens: list[Token] = []
    found.sort(key=lambda piece: piece[1])
    for kind, start, end, value in found:
        if kind == "tag" and value.casefold() not in seen:
            seen.add(value.casefold())
            tags.append(value)
        tokens.append(Token(kind, text[start:end], start, end, _label(kind, value, due_date)))

    title = _title(text, [(t.start, t.end) for t in tokens], quote_marks) or _clean(text)
    return QuickAdd(
        text=text,
        title=title[:TITLE_MAX].rstrip(),
        due_date=due_date,
        due_time=due_time,
        recurrence=rule,
        tags=tags,
        priority=values.get("priority"),
        list_name=values.get("list"),  # type: ignore[arg-type]
        tokens=tokens,
    )


# --------------------------------------------------------------------------- patterns

# Every name of a day or month, in full and in three letters, and a few other common short
# forms.
_WEEKDAYS = {
    name: code
    for code, full in zip((MO, TU, WE, TH, FR, SA, SU), WEEKDAY_NAMES, strict=True)
    for name in (full.lower(), full[:3].lower())
} | {"tues": TU, "thur": TH, "thurs": TH}
_MONTHS = {
    name: number
    for number, full in enumerate(MONTH_NAMES, start=1)
    for name in (full.lower(), full[:3].lower())
} | {"sept": 9}
_PRIORITIES = {"high": "high", "1": "high", "medium": "medium", "2": "medium"}
_PRIORITIES |= {"low": "low", "3": "low"}


def _words(names: dict[str, object]) -> str:
    return "|".join(sorted(names, key=len, reverse=True))


_WD = f"(?P<wd>{_words(_WEEKDAYS)})"
_MON = f"(?P<mon>{_words(_MONTHS)})"
_NTH = r"(?P<day>[0-9]{1,2})(?:st|nd|rd|th)"
_EVERY_N = r"every\s+(?:(?P<other>other)\s+|(?P<n>[0-9]{1,3})\s+)?"
# A piece ends at whitespace or the end, possibly after punctuation that stays in the title.
_END = r"(?=[,.;:!?)]*(?:\s|\Z))"


def _first_date(rule: str, start: date) -> date | None:
    try:
        return recurrence.first_date(rule, start)
    except (ValueError, OverflowError):
        return None


def _relative_day(m: re.Match[str], today: date) -> date:
    return today + relativedelta(days=1 if m["word"].lower() == "tomorrow" else 0)


def _weekday(m: re.Match[str], today: date) -> date:
    weekday = _WEEKDAYS[m["wd"].lower()]
    if m["next"]:
        next_week = today + relativedelta(days=1, weekday=MO)
        return next_week + relativedelta(weekday=weekday)
    return today + relativedelta(days=1, weekday=weekday)


def _in_n(m: re.Match[str], today: date) -> date | None:
    n = 1 if m["n"].lower() in ("a", "an", "one") else int(m["n"])
    if n < 1:
        return None
    unit = m["unit"].lower().rstrip("s") + "s"
    return today + relativedelta(**{unit: n})


def _iso(m: re.Match[str], today: date) -> date | None:
    try:
        return date(int(m["y"]), int(m["mo"]), int(m["d"]))
    except ValueError:
        return None


def _day_of_month(m: re.Match[str], today: date) -> date | None:
    day = int(m["day"])
    if not 1 <= day <= 31:
        return None
    return recurrence.first_date(f"FREQ=MONTHLY;BYMONTHDAY={day}", today)


def _month_day(m: re.Match[str], today: date) -> date | None:
    month, day = _MONTHS[m["mon"].lower()], int(m["day"])
    if m["y"]:
        try:
            return date(int(m["y"]), month, day)
        except ValueError:
            return None
    if not 1 <= day <= calendar.monthrange(2000, month)[1]:  # 2000 had a February 29
        return None  # checked here: a series that never occurs is slow to rule out
    return recurrence.first_date(f"FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={day}", today)


def _clock_12(m: re.Match[str], today: date) -> time | None:
    hour, minute = int(m["h"]), int(m["m"] or 0)
    if not (1 <= hour <= 12 and minute <= 59):
        return None
    return time(hour % 12 + (12 if m["ap"].lower() == "pm" else 0), minute)


def _clock_24(m: re.Match[str], today: date) -> time | None:
    hour, minute = int(m["h"]), int(m.groupdict().get("m") or 0)
    return time(hour, minute) if hour <= 23 and minute <= 59 else None


def _repeat_unit(m: re.Match[str], today: date) -> str | None:
    unit = m["unit"].lower().rstrip("s")
    repeat = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}[unit]
    return _rule(repeat, m)


def _repeat_workday(m: re.Match[str], today: date) -> str | None:
    return _rule("weekdays", m)


def _repeat_weekday(m: re.Match[str], today: date) -> str | None:
    code = str(_WEEKDAYS[m["wd"].lower()])[:2]
    interval = ";INTERVAL=2" if m["other"] else ""
    return recurrence.validate_rule(f"FREQ=WEEKLY{interval};BYDAY={code}", start=today)


def _repeat_month_day(m: re.Match[str], today: date) -> str | None:
    monthly = _rule("monthly", m)
    day = int(m["day"])
    if monthly is None or not 1 <= day <= 31:
        return None
    return recurrence.validate_rule(f"{monthly};BYMONTHDAY={day}", start=today)


def _rule(repeat: str, m: re.Match[str]) -> str | None:
    groups = m.groupdict()
    interval = 2 if groups.get("other") else int(groups.get("n") or 1)
    try:
        return recurrence.rule_for_repeat(repeat, interval)
    except ValueError:
        return None


_PATTERNS: list[tuple[str, re.Pattern[str], Callable[[re.Match[str], date], object]]] = [
    (kind, re.compile(pattern + _END, re.IGNORECASE), handler)
    for kind, pattern, handler in (
        ("date", r"(?P<word>today|tomorrow)", _relative_day),
        ("date", rf"(?:on\s+)?(?P<next>next\s+)?{_WD}", _weekday),
        ("date", r"in\s+(?P<n>[0-9]{1,3}|an?|one)\s+(?P<unit>(?:day|week|month|year)s?)", _in_n),
        ("date", r"(?:on\s+)?(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})", _iso),
        ("date", rf"on\s+the\s+{_NTH}", _day_of_month),
        (
            "date",
            rf"(?:on\s+)?{_MON}\.?\s+(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>[0-9]{{4}}))?",
            _month_day,
        ),
        (
            "date",
            rf"(?:on\s+)?(?:the\s+)?(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON}"
            r"(?:,?\s+(?P<y>[0-9]{4}))?",
            _month_day,
        ),
        ("time", r"(?:at\s+)?(?P<h>[0-9]{1,2})(?::(?P<m>[0-9]{2}))?\s?(?P<ap>am|pm)", _clock_12),
        ("time", r"(?:at\s+)?(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})", _clock_24),
        ("time", r"at\s+(?P<h>[0-9]{1,2})", _clock_24),
        ("repeat", rf"{_EVERY_N}(?P<unit>(?:day|week|month|year)s?)", _repeat_unit),
        ("repeat", r"every\s+(?:weekday|workday)", _repeat_workday),
        ("repeat", rf"every\s+(?P<other>other\s+)?{_WD}", _repeat_weekday),
        ("repeat", rf"{_EVERY_N}months?\s+on\s+the\s+{_NTH}", _repeat_month_day),
        ("tag", rf"#(?P<tag>[\w-]{{1,{TAG_NAME_MAX}}})", lambda m, today: m["tag"]),
        (
            "priority",
            rf"!(?P<p>{_words(_PRIORITIES)})",
            lambda m, today: _PRIORITIES[m["p"].lower()],
        ),
    )
]


def _longest_match(masked: str, position: int, today: date) -> tuple[str, int, object] | None:
    """The longest recognised piece starting at ``position``: (kind, end, value)."""
    best: tuple[str, int, object] | None = None
    for kind, pattern, handler in _PATTERNS:
        match = pattern.match(masked, position)
        if match is None or (best is not None and match.end() <= best[1]):
            continue
        try:
            value = handler(match, today)
        except (ValueError, OverflowError):  # a date past the year 9999
            value = None
        if value is not None:
            best = (kind, match.end(), value)
    return best


# --------------------------------------------------------------------------- text


_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
_MASK = "\x00"  # matches no pattern and is not whitespace, so no word starts inside quotes
_SEAM_PUNCTUATION = ",.;:!?)"


def _mask_quotes(text: str) -> tuple[str, set[int]]:
    """The text with quoted passages blanked out, and the positions of their quote marks."""
    masked = list(text)
    marks: set[int] = set()
    for quoted in _QUOTED.finditer(text):
        masked[quoted.start() : quoted.end()] = _MASK * (quoted.end() - quoted.start())
        marks.update((quoted.start(), quoted.end() - 1))
    return "".join(masked), marks


def _title(text: str, spans: list[tuple[int, int]], quote_marks: set[int]) -> str:
    title = ""
    previous_end = 0
    for start, end in [*spans, (len(text), len(text))]:
        piece = "".join(
            char
            for index, char in enumerate(text[previous_end:start], previous_end)
            if index not in quote_marks
        )
        title = piece if previous_end == 0 else _glue(title, piece)
        previous_end = end
    return _clean(title)


def _glue(before: str, after: str) -> str:
    """Join the text on both sides of a recognised piece that was taken out.

    Punctuation that followed the piece directly ("tomorrow, urgent") moves up to the word
    before it, or goes when nothing is before it ("tomorrow: call mom").
    """
    if after[:1] and after[0] in _SEAM_PUNCTUATION:
        if not before.strip():
            return after.lstrip(_SEAM_PUNCTUATION)
        return before.rstrip() + after
    return f"{before.rstrip()} {after.lstrip()}"


def _clean(text: str) -> str:
    printable = "".join(char for char in text if unicodedata.category(char) != "Cc")
    return " ".join(printable.split())


def _label(kind: str, value: object, due_date: date | None) -> str:
    if kind == "date":
        assert isinstance(value, date)
        return short_date(value)
    if kind == "time":
        assert isinstance(value, time)
        return value.strftime("%H:%M")
    if kind == "repeat":
        assert isinstance(value, str)
        return recurrence.describe_rule(value, anchor=due_date)
    if kind == "tag":
        return f"#{value}"
    if kind == "list":
        return f"+{value}"
    return f"{str(value).capitalize()} priority"
