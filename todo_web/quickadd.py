"""Quick add: one line of text to the fields of a task.

``parse_quick_add("Pay rent every month on the 1st #bills !high", today=today, tz=tz)`` gives
a ``QuickAdd`` with title "Pay rent", recurrence ``FREQ=MONTHLY;BYMONTHDAY=1``, due date the
next 1st, tags ``["bills"]`` and priority "high". Pure: no Flask, no database. The tasks
blueprint creates the task from the fields (tags by name, priority via
``Priority.from_label``); ``today`` is the user's local date. The live preview shows
``QuickAdd.tokens`` as removable chips: ``QuickAdd.without(i)`` is the text with chip ``i``
taken out, to put back in the input and parse again. The patterns themselves live in
``todo_web.quickadd_words``.

What is understood (keywords case-insensitive; a keyword counts only as a whole word, so
"Todayish", "mondays", "afternoon" and "mp3" stay title text; punctuation right after one,
as in "tomorrow,", is allowed and stays in the title):

- dates: ``today``, ``tomorrow`` (or ``tmrw``), ``yesterday`` (kept although it is past: a
  task logged late); a weekday (``monday`` or ``mon``, optionally after "on"), the first
  such day *after* today; ``next monday``, Monday of next week (weeks start on Monday, so
  on a Friday "next monday" is in three days and on a Monday in seven); ``next week``, that
  same Monday; ``this weekend``, the coming Saturday (today on a Saturday or Sunday);
  ``end of month`` (or ``end of the month``), the month's last day (today on that day);
  ``in 3 days``/``in 2 weeks``/``in 1 month``/``in a year``; ISO ``2026-12-24``;
  ``on the 1st``, the next 1st on or after today (from the 31st dateutil skips months without
  one); ``dec 25``, ``25 dec``, ``december 25th``, or day.month. as ``24.12.`` (the closing
  dot is required: "version 1.2" stays text, but "Release 1.2." is February 1st), each
  optionally with a four-digit year (``dec 25 2027``, ``24.12.2027``), without one the next
  such day on or after today.
- ``tonight``: today at 20:00. A time given as well wins ("tonight 7pm" is 19:00), and an
  hour from 1 to 11 without am/pm is read as evening ("tonight at 9" is 21:00, "tonight
  7am" stays 07:00; 12, 0 and 13 to 23 stay as written). "tonight's" is text.
- times: ``5pm``, ``5:30pm``, ``5 pm``, ``17:00``, ``noon`` or ``12 noon`` (12:00),
  optionally after "at"; ``at 9`` is 09:00 (a bare number needs the "at"). A time without a
  date means today, as in Todoist, even when that hour has passed (the task is then simply
  overdue).
- repeats: ``every day``, ``every weekday``, ``every week``, ``every month``, ``every year``,
  ``every 2 days``/``every 3 weeks``/``every other month`` (intervals 1..365), ``every workday``,
  ``every monday``, a list of weekdays (``every monday, friday``, ``every mon and thu``,
  ``every monday, wednesday and friday``: ``FREQ=WEEKLY;BYDAY=MO,WE,FR``, also after
  ``every other``), a numbered weekday of the month (``every 3rd friday``, ``every first
  tue``, ``every last monday``, optionally followed by "of the month":
  ``FREQ=MONTHLY;BYDAY=3FR``; "every second monday" is therefore monthly, "every other
  monday" is every two weeks), ``every month on the 1st`` (``FREQ=MONTHLY;BYMONTHDAY=1``).
  Single words like "daily" or "weekly" are left alone: "Weekly report" is a title. A
  repeat without a date sets the due date to its first date on or after today ("every
  monday" on a Monday is today); with a date, to its first date on or after that date.
- ``#tag``: letters, digits, ``-`` and ``_``, at most 50 of them; several allowed, kept in
  order, repeated ones (any case) dropped after the first spelling.
- ``+List`` (letters, digits, ``-`` and ``_``) or ``+"List with spaces"``: the list to put
  the task in, by name (the blueprint looks it up; an unknown name is an error there).
- ``@name`` (letters, digits, ``-``, ``_`` and inner dots) or ``@"Full Name"``: who to assign
  the task to, by first or full name or the local part of their address (the blueprint
  looks it up among the list's owner and editors). Only an ``@`` that starts a word counts:
  "mail bob@example.com" is all title.
- priority: ``!high``, ``!medium``, ``!low``, or ``!1`` (high), ``!2`` (medium), ``!3`` (low);
  Todoist's ``p1`` to ``p4`` (a word of its own: "p10", "mp1" and "p1x" stay text) through
  the table the Todoist importer uses, so p1 and p2 are high, p3 and p4 medium.
- reminders: ``remind 30m before`` (also "remind me", ``10 min``, ``1h``, ``an hour``,
  ``1 day``/``the day before``, ``at due time``/``when due``): only the reminder choices
  of a task (10, 30, 60 minutes, a day, or when due); other amounts stay text. A reminder
  needs a date: without one ``QuickAddError`` says so.
- text in double quotes (straight or curly) is kept literally, quotes removed: nothing inside
  is parsed; this is how a word such as "p1" or "tonight" stays in a title.

The first date, time, repeat and priority win; later ones stay in the title as written.
Everything not recognised is the title, whitespace collapsed, control characters dropped,
cut at 200 characters. Input with nothing printable raises ``QuickAddError``. Input that is
all recognised pieces ("#bills !high", "tomorrow") has no title: with ``require_title=True``
(the quick-add form) that raises ``QuickAddError`` asking for one; without it (reading only
a date, as the Todoist importer does) the title is empty and the pieces apply. Any other
text parses.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time

from . import recurrence
from .dates import short_date
from .models import LIST_NAME_MAX, NAME_MAX, REMIND_LABELS, TITLE_MAX
from .quickadd_words import Evening, longest_match

KINDS = ("date", "time", "repeat", "tag", "priority", "list", "assignee", "remind")
_ONE_EACH = ("date", "time", "repeat", "priority", "list", "assignee", "remind")
# A list name after "+": one word, or anything in straight or curly double quotes.
_LIST = re.compile(
    rf"\+(?:\"(?P<q>[^\"]{{1,{LIST_NAME_MAX}}})\"|“(?P<cq>[^”]{{1,{LIST_NAME_MAX}}})”"
    rf"|(?P<w>[\w-]{{1,{LIST_NAME_MAX}}}))"
)
# Who to assign the task to after "@": a name, a first name or an e-mail's local part
# ("@ann", "@ann.lee"), or a full name in double quotes. A mid-word "@", as in an address
# ("mail bob@example.com"), is text.
_ASSIGNEE = re.compile(
    rf"@(?:\"(?P<q>[^\"]{{1,{NAME_MAX}}})\"|“(?P<cq>[^”]{{1,{NAME_MAX}}})”"
    rf"|(?P<w>\w(?:[\w.-]{{0,{NAME_MAX - 2}}}\w)?))"
)
_AM_PM = re.compile(r"[ap]m", re.IGNORECASE)


class QuickAddError(ValueError):
    """The quick-add text was empty or had no title; the message is meant for the user."""


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
    title: str  # empty only when every word was a recognised piece (see require_title)
    due_date: date | None
    due_time: time | None
    recurrence: str | None  # a normalized RRULE (see todo_web.recurrence)
    tags: list[str]
    priority: str | None  # "low" | "medium" | "high"
    list_name: str | None  # as typed after "+", quotes removed
    tokens: list[Token]
    assignee_name: str | None = None  # as typed after "@", quotes removed
    remind_minutes: int | None = None  # "remind 30m before": minutes before the due moment

    def without(self, index: int) -> str:
        """The input with recognised piece ``index`` removed (IndexError if there is none)."""
        token = self.tokens[index]
        return _glue(self.text[: token.start], self.text[token.end :]).strip()


def parse_quick_add(
    text: str, *, today: date, tz: str = "UTC", require_title: bool = False
) -> QuickAdd:
    """Parse one line of quick-add text; see the module docstring for what it understands.

    ``today`` is the user's local date, which every relative date is counted from. ``tz`` is
    the user's zone; times are read as wall-clock times there and need no conversion, so the
    parser itself does not use it. Raises ``QuickAddError`` for input with nothing printable
    in it and, with ``require_title``, for input that leaves nothing for a title; without
    it such input gives an empty title.
    """
    if not _clean(text):
        raise QuickAddError("Type a task to add, e.g. “Pay rent every month on the 1st #bills”.")

    masked, quote_marks = _mask_quotes(text)
    found: list[tuple[str, int, int, object]] = []
    taken: set[str] = set()
    # The first +List and the first @Name, quoted or not, read before the quotes are set
    # aside.
    for kind, pattern in (("list", _LIST), ("assignee", _ASSIGNEE)):
        piece = _first_named(text, masked, pattern)
        if piece is not None:
            start, end, name = piece
            found.append((kind, start, end, name))
            taken.add(kind)
            masked = masked[:start] + _MASK * (end - start) + masked[end:]
            quote_marks -= set(range(start, end))
    position = 0
    while position < len(masked):
        starts_word = not masked[position].isspace() and (
            position == 0 or masked[position - 1].isspace()
        )
        match = longest_match(masked, position, today) if starts_word else None
        if match is None:
            position += 1
            continue
        kind, end, value = match
        if kind not in taken:  # a second date, time, repeat or priority stays title text
            found.append((kind, position, end, value))
            if kind in _ONE_EACH:
                taken.add(kind)
        position = end

    first = {piece[0]: index for index, piece in reversed(list(enumerate(found)))}
    explicit_date = found[first["date"]][3] if "date" in first else None
    due_time = found[first["time"]][3] if "time" in first else None
    evening_time = None  # the time "tonight" stands for, when the text names none
    if isinstance(explicit_date, Evening):
        if due_time is None:
            due_time = evening_time = explicit_date.at
        else:
            kind, start, end, _ = found[first["time"]]
            assert isinstance(due_time, time)
            if 1 <= due_time.hour <= 11 and not _AM_PM.search(text, start, end):
                due_time = due_time.replace(hour=due_time.hour + 12)  # "tonight at 9"
                found[first["time"]] = (kind, start, end, due_time)
        explicit_date = explicit_date.day
    values = {kind: found[index][3] for kind, index in first.items()}  # the first of each kind
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
        label = _label(kind, value, due_date, evening_time)
        tokens.append(Token(kind, text[start:end], start, end, label))

    title = _title(text, [(t.start, t.end) for t in tokens], quote_marks)
    if not title and not tokens:  # nothing but quote marks: '""'
        title = _clean(text)
    if not title and require_title:
        raise QuickAddError(_no_title_message(text, tokens))
    if "remind" in values and due_date is None:
        raise QuickAddError(
            "A reminder needs a due date: add one, as in “Call mom tomorrow 6pm remind 30m before”."
        )
    return QuickAdd(
        text=text,
        title=title[:TITLE_MAX].rstrip(),
        due_date=due_date,
        due_time=due_time,
        recurrence=rule,
        tags=tags,
        priority=values.get("priority"),  # type: ignore[arg-type]
        list_name=values.get("list"),  # type: ignore[arg-type]
        tokens=tokens,
        assignee_name=values.get("assignee"),  # type: ignore[arg-type]
        remind_minutes=values.get("remind"),  # type: ignore[arg-type]
    )


def _first_named(text: str, masked: str, pattern: re.Pattern[str]) -> tuple[int, int, str] | None:
    """The first match of `pattern` (a "+List" or "@Name") that is a word of its own and
    not inside quotes or an earlier piece: its span and the name, quotes removed."""
    for match in pattern.finditer(text):
        at_word_start = match.start() == 0 or text[match.start() - 1].isspace()
        at_word_end = match.end() == len(text) or not (
            text[match.end()].isalnum() or text[match.end()] in '_-"“”'
        )
        name = _clean(match["q"] or match["cq"] or match["w"] or "")
        if at_word_start and at_word_end and name and _MASK not in masked[match.start()]:
            return match.start(), match.end(), name
    return None


def _first_date(rule: str, start: date) -> date | None:
    try:
        return recurrence.first_date(rule, start)
    except (ValueError, OverflowError):
        return None


def _no_title_message(text: str, tokens: list[Token]) -> str:
    shown = _clean(text)
    if len(shown) > 60:
        shown = shown[:59].rstrip() + "…"
    kinds = [f"a {kind}" for kind in dict.fromkeys(token.kind for token in tokens)]
    read_as = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " and " + kinds[-1]
    return (
        f"Give the task a title: “{shown}” was all read as {read_as}. Add a few words, "
        "or put text in quotes to keep it as the title."
    )


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


def _label(kind: str, value: object, due_date: date | None, evening_time: time | None) -> str:
    """The chip's text; "tonight" shows its time too when no other piece gives one."""
    if kind == "date" and isinstance(value, Evening):
        day = short_date(value.day)
        return f"{day}, {evening_time:%H:%M}" if evening_time else day
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
    if kind == "assignee":
        return f"@{value}"
    if kind == "remind":
        assert isinstance(value, int)
        return f"Remind {REMIND_LABELS[value].lower()}"
    return f"{str(value).capitalize()} priority"
