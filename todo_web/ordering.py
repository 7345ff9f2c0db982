"""Manual order: where a task goes among its siblings, without renumbering the whole list.

Positions are integers with gaps (`GAP` apart when appended). A task put between two
neighbours takes the midpoint of their gap; only when the gap is used up (about sixteen
moves into one spot) are some neighbours moved, and only a local window of them: the
caller offers the nearest siblings on both sides, and `place()` spreads the window evenly
if it is sparse enough, or asks for a window twice as wide (`None`). A window that reaches
either end of the list can always spread into the free room beyond it, so asking ends.

A window is taken when spreading it leaves `MIN_STEP` between neighbours, so the spot has
room again for ten moves by midpoint. Gaps are 2**32 wide, so a crowded spot finds room
within a few dozen neighbours: 50,000 moves into one spot of a 5,000-task list move at most
62 other tasks at a time, a quarter of one on average (tests/test_ordering.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

GAP = 1 << 32
#: The least room a renumbered window leaves between neighbours.
MIN_STEP = 1 << 10
#: Positions stay well inside a signed 64-bit column.
LOWEST = -(1 << 62)
HIGHEST = 1 << 62

Sibling = tuple[int, int]  # (task id, position)


@dataclass(frozen=True)
class Placement:
    position: int
    #: Siblings moved to make room: task id -> new position.
    moved: dict[int, int] = field(default_factory=dict)


def first_position(first: int | None) -> int:
    """A position before every sibling (`first` is the lowest one, None when none)."""
    return 0 if first is None else max(LOWEST, first - GAP)


def last_position(last: int | None) -> int:
    """A position after every sibling (`last` is the highest one, None when none)."""
    return 0 if last is None else min(HIGHEST, last + GAP)


@dataclass(frozen=True)
class Window:
    """The siblings around a spot, nearest first on each side, and whether each side
    reaches its end of the list."""

    before: Sequence[Sibling]
    after: Sequence[Sibling]
    before_is_all: bool
    after_is_all: bool


def placement(window_of: Callable[[int], Window]) -> Placement:
    """Where a task goes at a spot: `window_of(k)` gives up to `k` siblings each side of
    it; asked for 1, then twice as many until `place` finds room."""
    size = 1
    while True:
        window = window_of(size)
        found = place(
            window.before,
            window.after,
            before_is_all=window.before_is_all,
            after_is_all=window.after_is_all,
        )
        if found is not None:
            return found
        if window.before_is_all and window.after_is_all:  # 2**62 positions used up
            raise OverflowError("no room left between positions")
        size *= 2


def place(
    before: Sequence[Sibling],
    after: Sequence[Sibling],
    *,
    before_is_all: bool,
    after_is_all: bool,
) -> Placement | None:
    """A position between `before` and `after`, or None: offer a wider window.

    `before` are the siblings just before the spot, nearest first; `after` those just
    after it, nearest first. `before_is_all` says `before` reaches the start of the list
    (there is nothing further), `after_is_all` likewise for the end.
    """
    if not before and not after:
        return Placement(0)
    if not before:
        if before_is_all and after[0][1] - GAP >= LOWEST:
            return Placement(first_position(after[0][1]))
        return None if not before_is_all else _spread(before, after, True, after_is_all)
    if not after:
        if after_is_all and before[0][1] + GAP <= HIGHEST:
            return Placement(last_position(before[0][1]))
        return None if not after_is_all else _spread(before, after, before_is_all, True)
    low, high = before[0][1], after[0][1]
    if high - low >= 2:
        return Placement(low + (high - low) // 2)
    return _spread(before, after, before_is_all, after_is_all)


def _spread(
    before: Sequence[Sibling],
    after: Sequence[Sibling],
    before_is_all: bool,
    after_is_all: bool,
) -> Placement | None:
    """Renumber the window evenly, the new task in its middle, if it is sparse enough."""
    ids = [task_id for task_id, _ in reversed(before)] + [None] + [task_id for task_id, _ in after]
    count = len(ids)
    # The window's ends: its outermost siblings stay where they are, unless the window
    # reaches an end of the list, where there is free room to spread into.
    if before_is_all:
        low = max(LOWEST, (before[-1][1] if before else after[0][1]) - MIN_STEP * count)
        first_slot = 0
    else:
        low = before[-1][1]
        first_slot = 1
    if after_is_all:
        high = min(HIGHEST, (after[-1][1] if after else before[0][1]) + MIN_STEP * count)
        last_slot = count - 1
    else:
        high = after[-1][1]
        last_slot = count - 2
    slots = last_slot - first_slot + 1  # positions to hand out strictly inside (low, high)
    step = (high - low) // (slots + 1)
    # The whole list offered cannot widen further: any room at all will do.
    if step < (1 if before_is_all and after_is_all else MIN_STEP):
        return None
    positions = [low + step * (n + 1) for n in range(slots)]
    placed: dict[int | None, int] = {}
    for task_id, position in zip(ids[first_slot : last_slot + 1], positions, strict=True):
        placed[task_id] = position
    new_position = placed.pop(None)
    old = dict(before) | dict(after)
    moved = {
        task_id: position
        for task_id, position in placed.items()
        if task_id is not None and old[task_id] != position
    }
    return Placement(new_position, moved)
