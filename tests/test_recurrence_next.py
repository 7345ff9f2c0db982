"""recurrence.rule_for_next: the rule an occurrence hands on to the next one. Each occurrence
anchors the series at its own due date, so a COUNT must shrink or the series never ends."""

from __future__ import annotations

from datetime import date, time

import pytest

from todo_web.recurrence import next_occurrence, occurrences, rule_for_next


@pytest.mark.parametrize(
    ("rule", "due", "today", "expected"),
    [
        ("FREQ=DAILY", date(2026, 11, 20), date(2026, 11, 20), "FREQ=DAILY"),
        (
            "FREQ=DAILY;UNTIL=20261231",
            date(2026, 11, 20),
            date(2026, 11, 20),
            "FREQ=DAILY;UNTIL=20261231",
        ),
        ("FREQ=DAILY;COUNT=3", date(2026, 11, 20), date(2026, 11, 20), "FREQ=DAILY;COUNT=2"),
        # Missed dates count as used: 15..19 and the 20th (today) are gone, 21 is next.
        ("FREQ=DAILY;COUNT=10", date(2026, 11, 15), date(2026, 11, 20), "FREQ=DAILY;COUNT=4"),
        (
            "FREQ=WEEKLY;INTERVAL=2;COUNT=5;BYDAY=MO,FR",
            date(2026, 11, 20),
            date(2026, 11, 20),
            "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=MO,FR",
        ),
    ],
)
def test_rule_for_next(rule: str, due: date, today: date, expected: str) -> None:
    next_date = next_occurrence(rule, due, None, "UTC", today)
    assert next_date is not None
    assert rule_for_next(rule, due, None, "UTC", next_date) == expected


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;COUNT=6",
        "FREQ=WEEKLY;INTERVAL=2;COUNT=7;BYDAY=MO,WE,FR",
        "FREQ=MONTHLY;COUNT=6",  # from the 31st: skips the short months
        "FREQ=MONTHLY;COUNT=5;BYDAY=-1FR",
        "FREQ=YEARLY;COUNT=3",  # from February 29: leap years only
    ],
)
@pytest.mark.parametrize("start", [date(2028, 1, 31), date(2028, 2, 29)])
def test_completing_one_by_one_walks_the_original_series(rule: str, start: date) -> None:
    """Completed on time, occurrence after occurrence, the chain visits exactly the dates of
    the series anchored at the first due date, and then stops."""
    tz = "Europe/Berlin"
    expected = [o.date() for o in occurrences(rule, start, time(9, 0), tz)]
    walked = []
    current_rule, current = rule, expected[0]
    while True:
        walked.append(current)
        following = next_occurrence(current_rule, current, time(9, 0), tz, current)
        if following is None:
            break
        current_rule = rule_for_next(current_rule, current, time(9, 0), tz, following)
        current = following
        assert len(walked) <= len(expected)
    assert walked == expected
