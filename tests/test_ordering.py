"""Manual order positions: a task put anywhere among its siblings keeps the order strict,
and making room moves a few neighbours, never the whole list."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from todo_web.ordering import GAP, Placement, Window, first_position, last_position, placement


class Siblings:
    """A list of tasks in memory, placed as the database would place them."""

    def __init__(self, size: int = 0) -> None:
        self.order: list[int] = []
        self.position: dict[int, int] = {}
        self.next_id = 1
        self.moved_per_insert: list[int] = []
        for _ in range(size):
            self.insert(len(self.order))

    def window(self, index: int, size: int) -> Window:
        return Window(
            before=[
                (i, self.position[i]) for i in reversed(self.order[max(0, index - size) : index])
            ],
            after=[(i, self.position[i]) for i in self.order[index : index + size]],
            before_is_all=index - size <= 0,
            after_is_all=index + size >= len(self.order),
        )

    def insert(self, index: int) -> int:
        task_id, self.next_id = self.next_id, self.next_id + 1
        found: Placement = placement(lambda size: self.window(index, size))
        self.position.update(found.moved)
        self.position[task_id] = found.position
        self.order.insert(index, task_id)
        self.moved_per_insert.append(len(found.moved))
        return task_id

    def move(self, task_id: int, index: int) -> None:
        """Take the task out and put it back at `index` (of the list without it)."""
        self.order.remove(task_id)
        del self.position[task_id]
        found = placement(lambda size: self.window(index, size))
        self.position.update(found.moved)
        self.position[task_id] = found.position
        self.order.insert(index, task_id)
        self.moved_per_insert.append(len(found.moved))

    def assert_strictly_ordered(self) -> None:
        positions = [self.position[i] for i in self.order]
        assert positions == sorted(positions)
        assert len(set(positions)) == len(positions)


def test_appending_and_prepending_leave_a_gap() -> None:
    assert last_position(None) == first_position(None) == 0
    assert last_position(5) == 5 + GAP
    assert first_position(5) == 5 - GAP
    siblings = Siblings(3)
    assert [siblings.position[i] for i in siblings.order] == [0, GAP, 2 * GAP]
    siblings.insert(0)
    assert siblings.position[siblings.order[0]] == -GAP


def test_a_move_between_two_neighbours_takes_the_middle() -> None:
    siblings = Siblings(2)
    middle = siblings.insert(1)
    assert siblings.position[middle] == GAP // 2
    assert siblings.moved_per_insert[-1] == 0


@pytest.mark.parametrize(("size", "spot"), [(2, 1), (500, 250), (5000, 2500), (5000, 1)])
def test_thousands_of_moves_into_one_spot_move_few_neighbours(size: int, spot: int) -> None:
    siblings = Siblings(size)
    siblings.moved_per_insert.clear()
    for _ in range(5000):
        siblings.insert(spot)
    siblings.assert_strictly_ordered()
    # Room is made locally: never more than a few dozen rows for one move, and on average
    # less than one, in a list that grows to thousands.
    assert max(siblings.moved_per_insert) <= 64
    assert sum(siblings.moved_per_insert) / len(siblings.moved_per_insert) < 1


def test_moving_one_task_back_and_forth_stays_cheap() -> None:
    siblings = Siblings(1000)
    siblings.moved_per_insert.clear()
    task = siblings.order[0]
    for n in range(3000):
        siblings.move(task, 500 if n % 2 == 0 else 501)
    siblings.assert_strictly_ordered()
    assert max(siblings.moved_per_insert) <= 64


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=300))
def test_any_sequence_of_insertions_keeps_the_order(spots: list[float]) -> None:
    siblings = Siblings()
    expected: list[int] = []
    for spot in spots:
        index = round(spot * len(siblings.order))
        task_id = siblings.insert(index)
        expected.insert(index, task_id)
    assert siblings.order == expected
    siblings.assert_strictly_ordered()


def test_random_moves_in_a_long_list_keep_the_order() -> None:
    rng = random.Random(7)
    siblings = Siblings(2000)
    for _ in range(5000):
        task = rng.choice(siblings.order)
        siblings.move(task, rng.randrange(len(siblings.order)))
    siblings.assert_strictly_ordered()
    assert max(siblings.moved_per_insert) <= 64
