"""The quick-add parser: one line of text to a title, dates, times, repeats, tags, priority."""

from __future__ import annotations

import unicodedata
from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from todo_web.data.todoist import read_date
from todo_web.models import TAG_NAME_MAX as TAG_MAX
from todo_web.models import TITLE_MAX, TODOIST_PRIORITIES
from todo_web.quickadd import QuickAddError, parse_quick_add
from todo_web.recurrence import validate_rule

WED = date(2026, 1, 7)  # the default "today" of the table
MON, FRI, SAT, SUN = date(2026, 1, 5), date(2026, 1, 9), date(2026, 1, 10), date(2026, 1, 11)
MONTHLY_1ST = "FREQ=MONTHLY;BYMONTHDAY=1"
WORKWEEK = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"


def case(
    text: str,
    title: str,
    due: str | None = None,
    at: str | None = None,
    rule: str | None = None,
    tags: tuple[str, ...] = (),
    priority: str | None = None,
    today: date = WED,
) -> object:
    """One row: dates and times as ISO text; fields not given are expected empty."""
    expected = {
        "title": title,
        "due_date": None if due is None else date.fromisoformat(due),
        "due_time": None if at is None else time.fromisoformat(at),
        "recurrence": rule,
        "tags": list(tags),
        "priority": priority,
    }
    return pytest.param(text, today, expected, id=text[:60])


# fmt: off
CASES = [
    # the example
    case("Pay rent every month on the 1st #bills !high", "Pay rent", "2026-02-01",
         rule=MONTHLY_1ST, tags=("bills",), priority="high"),
    case("Buy milk", "Buy milk"),
    # dates
    case("Buy milk today", "Buy milk", "2026-01-07"),
    case("Buy milk TOMORROW", "Buy milk", "2026-01-08"),
    case("Call Bob monday", "Call Bob", "2026-01-12"),
    case("Call Bob Mon", "Call Bob", "2026-01-12"),
    case("Call Bob on friday", "Call Bob", "2026-01-09"),
    case("Standup wed", "Standup", "2026-01-14"),  # a weekday name is never today
    case("Review next monday", "Review", "2026-01-12"),
    case("Review next friday", "Review", "2026-01-16"),  # Friday of next week
    case("Review next monday", "Review", "2026-01-12", today=FRI),
    case("Review next friday", "Review", "2026-01-16", today=FRI),
    case("Review next monday", "Review", "2026-01-12", today=SUN),
    case("Review next monday", "Review", "2026-01-19", today=date(2026, 1, 12)),
    case("Renew in 3 days", "Renew", "2026-01-10"),
    case("Renew in 2 weeks", "Renew", "2026-01-21"),
    case("Renew in 1 month", "Renew", "2026-02-28", today=date(2026, 1, 31)),
    case("Renew passport in a year", "Renew passport", "2027-01-07"),
    case("Tree 2026-12-24", "Tree", "2026-12-24"),
    case("Tree on 2025-12-24", "Tree", "2025-12-24"),  # an explicit past date is kept
    case("Nonsense 2026-02-30", "Nonsense 2026-02-30"),
    case("Pay on the 1st", "Pay", "2026-02-01"),
    case("Pay on the 1st", "Pay", "2026-01-01", today=date(2026, 1, 1)),
    case("Check on the 31st", "Check", "2026-03-31", today=date(2026, 2, 5)),
    case("Gifts dec 25", "Gifts", "2026-12-25"),
    case("Gifts 25 Dec", "Gifts", "2026-12-25"),
    case("Gifts december 25th", "Gifts", "2026-12-25"),
    case("Gifts on the 25th of december", "Gifts", "2026-12-25"),
    case("Gifts dec 25", "Gifts", "2027-12-25", today=date(2026, 12, 26)),
    case("Party jan 7", "Party", "2026-01-07"),  # today is not in the past
    case("Trip march 3 2027", "Trip", "2027-03-03"),
    case("Leap day feb 29", "Leap day", "2028-02-29"),
    case("Impossible feb 30", "Impossible feb 30"),
    # times: without a date, today
    case("Call 5pm", "Call", "2026-01-07", "17:00"),
    case("Call 5:30pm", "Call", "2026-01-07", "17:30"),
    case("Call 5 PM tomorrow", "Call", "2026-01-08", "17:00"),
    case("Call 17:00", "Call", "2026-01-07", "17:00"),
    case("Call at 9", "Call", "2026-01-07", "09:00"),
    case("Call at 21", "Call", "2026-01-07", "21:00"),
    case("Call at 12am", "Call", "2026-01-07", "00:00"),
    case("Call 12pm friday", "Call", "2026-01-09", "12:00"),
    case("Buy 9 eggs", "Buy 9 eggs"),
    case("Meet at cafe", "Meet at cafe"),
    case("Meet at 25", "Meet at 25"),
    case("Meet 13pm", "Meet 13pm"),
    case("5pm-6pm block", "5pm-6pm block"),
    # repeats: without a date, due on the first date on or after today
    case("Water plants every day", "Water plants", "2026-01-07", rule="FREQ=DAILY"),
    case("Standup every weekday", "Standup", "2026-01-12", rule=WORKWEEK, today=SAT),
    case("Report every week", "Report", "2026-01-07", rule="FREQ=WEEKLY"),
    case("Rent every month", "Rent", "2026-01-07", rule="FREQ=MONTHLY"),
    case("Birthday every year", "Birthday", "2026-01-07", rule="FREQ=YEARLY"),
    case("Pills every 2 days", "Pills", "2026-01-07", rule="FREQ=DAILY;INTERVAL=2"),
    case("Sync every 3 weeks", "Sync", "2026-01-07", rule="FREQ=WEEKLY;INTERVAL=3"),
    case("Trash every other week", "Trash", "2026-01-07", rule="FREQ=WEEKLY;INTERVAL=2"),
    case("Gym every monday", "Gym", "2026-01-12", rule="FREQ=WEEKLY;BYDAY=MO"),
    case("Gym every monday", "Gym", "2026-01-05", rule="FREQ=WEEKLY;BYDAY=MO", today=MON),
    case("Gym EVERY MONDAY at 7am", "Gym", "2026-01-12", "07:00", "FREQ=WEEKLY;BYDAY=MO"),
    case("Pay every 2 months on the 15th", "Pay", "2026-01-15",
         rule="FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=15"),
    case("Rent every month on the 31st", "Rent", "2026-03-31",
         rule="FREQ=MONTHLY;BYMONTHDAY=31", today=date(2026, 2, 1)),
    case("Review every week dec 25", "Review", "2026-12-25", rule="FREQ=WEEKLY"),
    case("Gym every monday tomorrow", "Gym", "2026-01-12", rule="FREQ=WEEKLY;BYDAY=MO"),
    case("Weekly report", "Weekly report"),
    case("Daily standup", "Daily standup"),
    case("Run every 0 days", "Run every 0 days"),
    case("Run every 400 days", "Run every 400 days"),
    # tags
    case("Plan #Work #home #work", "Plan", tags=("Work", "home")),
    case("Email #a-b_c", "Email", tags=("a-b_c",)),
    case("Read #café", "Read", tags=("café",)),
    case("Learn C# today", "Learn C#", "2026-01-07"),
    case("Fix #", "Fix #"),
    case("Tag #" + "x" * TAG_MAX, "Tag", tags=("x" * TAG_MAX,)),
    case("Tag #" + "x" * (TAG_MAX + 1), "Tag #" + "x" * (TAG_MAX + 1)),
    case("Fix #bug! now", "Fix! now", tags=("bug",)),
    # priority
    case("Fix !HIGH", "Fix", priority="high"),
    case("Fix !medium", "Fix", priority="medium"),
    case("Fix !low", "Fix", priority="low"),
    case("Fix !1", "Fix", priority="high"),
    case("Fix !2", "Fix", priority="medium"),
    case("Fix !3", "Fix", priority="low"),
    case("Fix !1 !3", "Fix !3", priority="high"),  # the first one wins
    case("Fix !urgent", "Fix !urgent"),
    case("Alert!high", "Alert!high"),
    # quotes keep text literal
    case('"Monday" meeting notes', "Monday meeting notes"),
    case('Read "Tomorrow and tomorrow" tomorrow', "Read Tomorrow and tomorrow", "2026-01-08"),
    case("“every day” habit #x", "every day habit", tags=("x",)),
    case('Say "hi tomorrow', 'Say "hi', "2026-01-08"),
    case('""', '""'),
    # words that merely contain keywords stay
    case("Todayish plans", "Todayish plans"),
    case("mondays are long", "mondays are long"),
    case("tomorrowland tickets", "tomorrowland tickets"),
    case("everyday carry", "everyday carry"),
    case("Sunday's roast", "Sunday's roast"),
    # the title
    case("  Buy   milk \t tomorrow  ", "Buy milk", "2026-01-08"),
    case("Call mom tomorrow, then dad", "Call mom, then dad", "2026-01-08"),
    case("tomorrow: call mom", "call mom", "2026-01-08"),
    case("Call tomorrow or friday", "Call or friday", "2026-01-08"),
    case('"#bills" !high', "#bills", priority="high"),  # quotes keep a title of tokens
    case("Buy\x00 milk\x07", "Buy milk"),
    case("x" * 250, "x" * TITLE_MAX),
    case("word " * 60 + "tomorrow", ("word " * 40).strip(), "2026-01-08"),
    # -- the words added after a user's report ---------------------------------------------
    case("meeting 14:30 tmrw", "meeting", "2026-01-08", "14:30"),
    case("Buy milk TMRW", "Buy milk", "2026-01-08"),
    case("tmrw: call mom", "call mom", "2026-01-08"),
    case("tmrwland tickets", "tmrwland tickets"),
    case("Log run yesterday", "Log run", "2026-01-06"),  # kept, although past
    # tonight: today at 20:00; a time given wins, an hour 1..11 without am/pm is evening
    case("Dinner tonight", "Dinner", "2026-01-07", "20:00"),
    case("Dinner tonight at 9", "Dinner", "2026-01-07", "21:00"),
    case("Dinner at 9 tonight", "Dinner", "2026-01-07", "21:00"),
    case("Dinner tonight 7:30", "Dinner", "2026-01-07", "19:30"),
    case("Dinner tonight 18:30", "Dinner", "2026-01-07", "18:30"),
    case("Dinner tonight 7pm", "Dinner", "2026-01-07", "19:00"),
    case("Run tonight 7am", "Run", "2026-01-07", "07:00"),
    case("Dinner tonight noon", "Dinner", "2026-01-07", "12:00"),
    case("Dinner tomorrow tonight", "Dinner tonight", "2026-01-08"),  # the first date wins
    case("Tonightly", "Tonightly"),
    # noon, and words that merely end in it
    case("Lunch at noon", "Lunch", "2026-01-07", "12:00"),
    case("Lunch noon friday", "Lunch", "2026-01-09", "12:00"),
    case("Afternoon tea", "Afternoon tea"),
    case("Nap in the afternoon", "Nap in the afternoon"),
    case("Lunch at noonish", "Lunch at noonish"),
    case("Lunch at 12 noon", "Lunch", "2026-01-07", "12:00"),
    case("Watch tonight's game", "Watch tonight's game"),
    # next week (Monday of next week), this weekend, end of month
    case("Plan next week", "Plan", "2026-01-12"),
    case("Plan next week", "Plan", "2026-01-12", today=MON),
    case("Plan next week", "Plan", "2026-01-12", today=SUN),
    case("Plan next week", "Plan", "2026-01-19", today=date(2026, 1, 12)),
    case("Plan next weekend", "Plan next weekend"),
    case("Hike this weekend", "Hike", "2026-01-10"),
    case("Hike this weekend", "Hike", "2026-01-10", today=SAT),
    case("Hike this weekend", "Hike", "2026-01-11", today=SUN),
    case("Hike this week", "Hike this week"),
    case("Invoice end of month", "Invoice", "2026-01-31"),
    case("Invoice end of the month", "Invoice", "2026-02-28", today=date(2026, 2, 3)),
    case("Invoice end of month", "Invoice", "2026-01-31", today=date(2026, 1, 31)),
    case("Invoice by the end of month", "Invoice by the", "2026-01-31"),
    # day.month. and day.month.year
    case("Gifts 24.12.", "Gifts", "2026-12-24"),
    case("Gifts 24.12.", "Gifts", "2027-12-24", today=date(2026, 12, 25)),
    case("Party 7.1.", "Party", "2026-01-07"),  # today is not in the past
    case("Party 6.1.", "Party", "2027-01-06"),
    case("Party 07.01.", "Party", "2026-01-07"),
    case("Trip on 3.4.2027", "Trip", "2027-04-03"),
    case("Gifts 24.12.2027", "Gifts", "2027-12-24"),
    case("Filed 24.12.2025", "Filed", "2025-12-24"),  # an explicit past date is kept
    case("Leap day 29.2.", "Leap day", "2028-02-29"),
    case("Nonsense 31.2.", "Nonsense 31.2."),
    case("Nonsense 1.13.", "Nonsense 1.13."),
    case("Nonsense 31.2.2027", "Nonsense 31.2.2027"),
    case("Weigh 1.5 kg", "Weigh 1.5 kg"),
    case("Update to 3.5.1", "Update to 3.5.1"),
    case("Party 24.12.27", "Party 24.12.27"),  # the year has four digits
    case("Meet 14.30", "Meet 14.30"),
    # Todoist's priorities, through the importer's table
    case("Fix p1", "Fix", priority="high"),
    case("Fix P2", "Fix", priority="high"),
    case("Fix p3", "Fix", priority="medium"),
    case("Fix p4", "Fix", priority="medium"),
    case("Fix p1 !low", "Fix !low", priority="high"),  # the first priority wins
    case("Fix !low p1", "Fix p1", priority="low"),
    case("Fix p0 p5 p10 p1x mp1", "Fix p0 p5 p10 p1x mp1"),
    case('Buy "p1" cable', "Buy p1 cable"),
    # lists of weekdays: one weekly rule on all of them
    case("Call mom every monday, friday", "Call mom", "2026-01-09",
         rule="FREQ=WEEKLY;BYDAY=MO,FR"),
    case("Gym every mon and thu", "Gym", "2026-01-08", rule="FREQ=WEEKLY;BYDAY=MO,TH"),
    case("Gym every monday and friday", "Gym", "2026-01-09", rule="FREQ=WEEKLY;BYDAY=MO,FR"),
    case("Gym every monday, wednesday and friday", "Gym", "2026-01-07",
         rule="FREQ=WEEKLY;BYDAY=MO,WE,FR"),
    case("Gym every Fri,Mon", "Gym", "2026-01-09", rule="FREQ=WEEKLY;BYDAY=MO,FR"),
    case("Gym every tue & thurs", "Gym", "2026-01-08", rule="FREQ=WEEKLY;BYDAY=TU,TH"),
    case("Gym every mon, monday", "Gym", "2026-01-12", rule="FREQ=WEEKLY;BYDAY=MO"),
    case("Gym every other mon and thu", "Gym", "2026-01-08",
         rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"),
    case("Gym every monday and rest", "Gym and rest", "2026-01-12", rule="FREQ=WEEKLY;BYDAY=MO"),
    case("Gym every monday, fridays off", "Gym, fridays off", "2026-01-12",
         rule="FREQ=WEEKLY;BYDAY=MO"),
    case("Gym every monday and friday at 7am", "Gym", "2026-01-09", "07:00",
         "FREQ=WEEKLY;BYDAY=MO,FR"),
    # a numbered weekday of the month
    case("every 3rd friday team lunch", "team lunch", "2026-01-16",
         rule="FREQ=MONTHLY;BYDAY=3FR"),
    case("Review every last monday", "Review", "2026-01-26", rule="FREQ=MONTHLY;BYDAY=-1MO"),
    case("Book club every first tue", "Book club", "2026-02-03", rule="FREQ=MONTHLY;BYDAY=1TU"),
    case("Board every second wednesday of the month", "Board", "2026-01-14",
         rule="FREQ=MONTHLY;BYDAY=2WE"),
    case("Party every 5th friday", "Party", "2026-01-30", rule="FREQ=MONTHLY;BYDAY=5FR"),
    case("Sync every 3rd friday", "Sync", "2026-01-16", rule="FREQ=MONTHLY;BYDAY=3FR",
         today=date(2026, 1, 16)),
    case("Sync every 3rd week", "Sync every 3rd week"),
    case("Sync every 6th friday", "Sync every 6th", "2026-01-09"),  # only "friday" is read
]
# fmt: on


@pytest.mark.parametrize(("text", "today", "expected"), CASES)
def test_parse_quick_add(text: str, today: date, expected: dict[str, object]) -> None:
    parsed = parse_quick_add(text, today=today, tz="Europe/Berlin")
    actual = {name: getattr(parsed, name) for name in expected}
    assert actual == expected


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize(
    ("text", "read_as"),
    [
        ("#onlytag !high", "a tag and a priority"),
        ("tomorrow", "a date"),
        ("Tmrw 5pm", "a date and a time"),
        ("every monday, friday", "a repeat"),
        ("+Home p1 #x", "a list, a priority and a tag"),
        ('"" tonight', "a date"),
    ],
)
def test_a_line_of_only_recognised_pieces_asks_for_a_title(text: str, read_as: str) -> None:
    with pytest.raises(QuickAddError) as raised:
        parse_quick_add(text, today=WED, require_title=True)
    message = str(raised.value)
    assert message.startswith("Give the task a title: ")
    assert f"was all read as {read_as}." in message
    assert "quotes" in message  # how to keep such words as the title


def test_without_a_required_title_only_the_pieces_are_read() -> None:
    """The Todoist importer reads a date column this way: no title, the pieces apply."""
    parsed = parse_quick_add("#onlytag !high", today=WED)
    assert (parsed.title, parsed.tags, parsed.priority) == ("", ["onlytag"], "high")
    parsed = parse_quick_add("tmrw 14:30", today=WED)
    assert (parsed.title, parsed.due_date, parsed.due_time) == ("", date(2026, 1, 8), time(14, 30))


def test_a_long_line_of_pieces_is_cut_short_in_the_message() -> None:
    text = " ".join(f"#tag{n}" for n in range(30))
    with pytest.raises(QuickAddError) as raised:
        parse_quick_add(text, today=WED, require_title=True)
    shown = str(raised.value).split("“")[1].split("”")[0]
    assert len(shown) <= 60 and shown.endswith("…")


@pytest.mark.parametrize("number", ["1", "2", "3", "4"])
def test_p1_to_p4_mean_what_they_mean_in_a_todoist_import(number: str) -> None:
    """One table for both: quick add's "p3" is what the importer makes of PRIORITY 3."""
    parsed = parse_quick_add(f"Fix p{number}", today=WED)
    assert parsed.priority == TODOIST_PRIORITIES[number].label


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tmrw", (date(2026, 1, 8), None, None)),
        ("tonight", (date(2026, 1, 7), time(20), None)),
        ("every mon and thu", (date(2026, 1, 8), None, "FREQ=WEEKLY;BYDAY=MO,TH")),
        ("every 3rd friday", (date(2026, 1, 16), None, "FREQ=MONTHLY;BYDAY=3FR")),
        ("24.12.", (date(2026, 12, 24), None, None)),
        ("p1", None),  # a priority is not a date
        ("tmrw p1", None),
    ],
)
def test_the_todoist_importer_reads_the_new_dates(
    text: str, expected: tuple[object, ...] | None
) -> None:
    parsed = read_date(text, today=WED, tz="UTC")
    if expected is None:
        assert parsed is None
    else:
        assert parsed is not None
        assert (parsed.due_date, parsed.due_time, parsed.recurrence) == expected


def test_tokens_are_chips_that_can_be_removed() -> None:
    text = "Pay rent every month on the 1st #bills !high"
    parsed = parse_quick_add(text, today=WED)
    assert [(t.kind, t.text, t.label) for t in parsed.tokens] == [
        ("repeat", "every month on the 1st", "every month on the 1st"),
        ("tag", "#bills", "#bills"),
        ("priority", "!high", "High priority"),
    ]
    for token in parsed.tokens:
        assert text[token.start : token.end] == token.text
    assert parsed.without(0) == "Pay rent #bills !high"
    assert parsed.without(1) == "Pay rent every month on the 1st !high"
    assert parsed.without(2) == "Pay rent every month on the 1st #bills"
    assert parse_quick_add(parsed.without(0), today=WED).recurrence is None
    assert parse_quick_add(parsed.without(1), today=WED).tags == []
    assert parse_quick_add(parsed.without(2), today=WED).priority is None
    with pytest.raises(IndexError):
        parsed.without(3)


def test_token_labels() -> None:
    parsed = parse_quick_add("Gym tomorrow 7am every week", today=WED)
    assert [(t.kind, t.label) for t in parsed.tokens] == [
        ("date", "Thu 8 Jan 2026"),
        ("time", "07:00"),
        ("repeat", "every Thursday"),
    ]


def test_chips_of_the_new_words() -> None:
    parsed = parse_quick_add("Dinner tonight #home p1", today=WED)
    assert [(t.kind, t.text, t.label) for t in parsed.tokens] == [
        ("date", "tonight", "Wed 7 Jan 2026, 20:00"),
        ("tag", "#home", "#home"),
        ("priority", "p1", "High priority"),
    ]
    parsed = parse_quick_add("Dinner tonight at 9", today=WED)
    assert [(t.kind, t.label) for t in parsed.tokens] == [
        ("date", "Wed 7 Jan 2026"),  # the time has a chip of its own
        ("time", "21:00"),
    ]
    assert parsed.without(0) == "Dinner at 9"
    assert parse_quick_add(parsed.without(0), today=WED).due_time == time(9)
    parsed = parse_quick_add("Call mom every monday, friday 24.12. noon", today=WED)
    assert [(t.kind, t.text, t.label) for t in parsed.tokens] == [
        ("repeat", "every monday, friday", "every Monday and Friday"),
        ("date", "24.12.", "Thu 24 Dec 2026"),
        ("time", "noon", "12:00"),
    ]
    assert parsed.due_date == date(2026, 12, 25)  # the first Monday or Friday from the date
    parsed = parse_quick_add("every 3rd friday team lunch", today=WED)
    assert [(t.kind, t.text, t.label) for t in parsed.tokens] == [
        ("repeat", "every 3rd friday", "every month on the third Friday"),
    ]
    assert parsed.without(0) == "team lunch"


def test_removing_a_chip_keeps_the_punctuation_tidy() -> None:
    parsed = parse_quick_add("Call mom tomorrow, then dad", today=WED)
    assert parsed.without(0) == "Call mom, then dad"
    parsed = parse_quick_add("tomorrow: call mom", today=WED)
    assert parsed.without(0) == "call mom"
    parsed = parse_quick_add('"Monday" notes friday', today=WED)
    assert parsed.without(0) == '"Monday" notes'


@pytest.mark.parametrize(
    "text",
    ["Fix !high +Home tonight", "+Home Fix tonight p1", 'Fix tonight +"Home" !1'],
)
def test_each_field_keeps_its_own_piece_whatever_the_order(text: str) -> None:
    parsed = parse_quick_add(text, today=WED)
    assert (parsed.title, parsed.priority, parsed.list_name) == ("Fix", "high", "Home")
    assert (parsed.due_date, parsed.due_time) == (WED, time(20))
    starts = [t.start for t in parsed.tokens]
    assert starts == sorted(starts) and len(starts) == 3


def test_the_result_is_frozen() -> None:
    parsed = parse_quick_add("Buy milk", today=WED)
    with pytest.raises(AttributeError):
        parsed.title = "Sell milk"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", "\x00", "\u2028\x1f"])
def test_blank_input_is_an_error(text: str) -> None:
    with pytest.raises(QuickAddError, match="Type a task"):
        parse_quick_add(text, today=WED)


def _printable(text: str) -> str:
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cc")


@settings(max_examples=500, deadline=None, database=None)
@given(st.text(), st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_any_text_parses(text: str, today: date) -> None:
    if not _printable(text):
        with pytest.raises(QuickAddError):
            parse_quick_add(text, today=today)
        return
    parsed = parse_quick_add(text, today=today)
    assert len(parsed.title) <= TITLE_MAX
    assert parsed.title == parsed.title.strip()
    assert parsed.title or parsed.tokens  # no title only when every word was understood
    if not parsed.title:
        with pytest.raises(QuickAddError, match="Give the task a title"):
            parse_quick_add(text, today=today, require_title=True)
    assert parsed.priority in (None, "low", "medium", "high")
    assert all(1 <= len(tag) <= TAG_MAX for tag in parsed.tags)
    assert len({tag.casefold() for tag in parsed.tags}) == len(parsed.tags)
    if parsed.recurrence is not None:
        assert parsed.due_date is not None
        assert validate_rule(parsed.recurrence, start=parsed.due_date) == parsed.recurrence
    if parsed.due_time is not None:
        assert parsed.due_date is not None
    for token in parsed.tokens:
        assert text[token.start : token.end] == token.text


WORDS = st.sampled_from(
    [
        *("Buy", "milk", "mondays", "Todayish", "every", "at", "in", "on", "the", "#", "!"),
        *("C#", "afternoon", "p10", "and", ",", "3rd", "1.5", "next", "this", "end", "of"),
        "month",
    ]
)
PIECES = st.sampled_from(
    [
        "today",
        "next friday",
        "in 2 weeks",
        "dec 25",
        "at 9",
        "5:30pm",
        "every weekday",
        "every month on the 1st",
        "#home",
        "!2",
        '"tomorrow"',
        "tmrw",
        "tonight",
        "yesterday",
        "noon",
        "next week",
        "this weekend",
        "end of month",
        "24.12.",
        "29.2.2028",
        "p1",
        "p4",
        "every mon and fri",
        "every monday, wednesday",
        "every 3rd friday",
        "every last sun",
    ]
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.one_of(WORDS, PIECES), min_size=1, max_size=12), st.dates())
def test_mixed_pieces(parts: list[str], today: date) -> None:
    parsed = parse_quick_add(" ".join(parts), today=today)
    assert len(parsed.title) <= TITLE_MAX
    assert parsed.title or parsed.tokens
    if parsed.recurrence is not None:
        assert validate_rule(parsed.recurrence, start=parsed.due_date) == parsed.recurrence
    for index, token in enumerate(parsed.tokens):
        rest = parsed.without(index)
        assert len(rest) < len(parsed.text)
        if rest:
            parse_quick_add(rest, today=today)
        else:
            assert token.text == parsed.text.strip()


@pytest.mark.parametrize(
    ("text", "title", "assignee"),
    [
        ("Call @bob tomorrow", "Call", "bob"),
        ('Plan @"Carol Jones" +Work', "Plan", "Carol Jones"),
        ("Plan @“Carol Jones”", "Plan", "Carol Jones"),
        ("Read @ann.lee", "Read", "ann.lee"),
        ("Fix @bob, then", "Fix, then", "bob"),
        ("x @b @c", "x @c", "b"),  # the first one counts
        ("mail bob@example.com", "mail bob@example.com", None),  # an address is text
        ('"@bob" stays', "@bob stays", None),
        ("@ alone", "@ alone", None),
        ('+"a @b" x', "x", None),  # inside a list's name
    ],
)
def test_at_name_is_the_assignee(text: str, title: str, assignee: str | None) -> None:
    parsed = parse_quick_add(text, today=date(2026, 1, 1))
    assert (parsed.title, parsed.assignee_name) == (title, assignee)
    chips = [token.label for token in parsed.tokens if token.kind == "assignee"]
    assert chips == ([f"@{assignee}"] if assignee else [])


@pytest.mark.parametrize(
    ("text", "title", "minutes"),
    [
        ("Call mom tomorrow 6pm remind 30m before", "Call mom", 30),
        ("Call mom tomorrow 6pm remind me 30 minutes before", "Call mom", 30),
        ("Standup at 9:30 remind 10 min before", "Standup", 10),
        ("Flight fri 7am remind an hour before", "Flight", 60),
        ("Flight fri 7am remind 1h before", "Flight", 60),
        ("Rent on the 1st remind me the day before", "Rent", 1440),
        ("Rent on the 1st remind 1 day before", "Rent", 1440),
        ("Dentist dec 3 remind when due", "Dentist", 0),
        ("Dentist dec 3 Remind me at due time", "Dentist", 0),
    ],
)
def test_a_reminder_is_read(text: str, title: str, minutes: int) -> None:
    parsed = parse_quick_add(text, today=WED)
    assert (parsed.title, parsed.remind_minutes) == (title, minutes)
    assert parsed.due_date is not None
    assert any(token.kind == "remind" for token in parsed.tokens)


@pytest.mark.parametrize(
    "text",
    ["Milk tomorrow remind 15m before", "Milk tomorrow remind me later", "remind me about milk"],
)
def test_other_reminder_words_stay_in_the_title(text: str) -> None:
    parsed = parse_quick_add(text, today=WED)
    assert parsed.remind_minutes is None
    assert "remind" in parsed.title


def test_a_reminder_without_a_date_is_an_error() -> None:
    with pytest.raises(QuickAddError, match="A reminder needs a due date"):
        parse_quick_add("Milk remind 30m before", today=WED)


def test_the_first_reminder_wins() -> None:
    parsed = parse_quick_add("Milk tomorrow remind 30m before remind 10m before", today=WED)
    assert parsed.remind_minutes == 30
    assert parsed.title == "Milk remind 10m before"
