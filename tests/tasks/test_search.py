"""Search: full text in web-search syntax on PostgreSQL, LIKE on SQLite; no input fails."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from todo_web.models import Task, User
from todo_web.tasks.search import search_condition, search_narrows_by_itself

from ..client import Client, create_task_via_form, list_ids, task_ids, total_count
from ..database import is_postgres
from ..factories import make_task

postgres_only = pytest.mark.skipif(not is_postgres(), reason="full-text search is PostgreSQL's")
sqlite_only = pytest.mark.skipif(is_postgres(), reason="the LIKE fallback is SQLite's")


def search(client: Client, q: str, **params: str) -> set[int]:
    return set(list_ids(client, "?" + urlencode({"q": q, **params})))


@pytest.fixture
def library(db_session: Session, alice: User) -> dict[str, int]:
    rows = {
        "green": ("Buy green apples", ""),
        "red": ("Buy red apples", "the big bag"),
        "pears": ("Pears for the tart", ""),
        "zeppelin": ("Book the airship", "A zeppelin ride over the lake"),
        "reversed": ("Green things to buy", "apples"),
        "percent": ("Reach 100% coverage", ""),
        "underscore": ("Rename snake_case files", ""),
        "plain": ("Walk the dog", ""),
        "hyphen": ("Send the follow-up mail", ""),
    }
    return {
        key: make_task(db_session, alice, title, description=description).id
        for key, (title, description) in rows.items()
    }


def test_words_must_all_match_title_or_description(
    alice_client: Client, library: dict[str, int]
) -> None:
    assert search(alice_client, "apples") == {
        library["green"],
        library["red"],
        library["reversed"],
    }
    assert search(alice_client, "buy apples green") == {library["green"], library["reversed"]}
    assert search(alice_client, "zeppelin") == {library["zeppelin"]}  # in the description
    assert search(alice_client, "ZEPPELIN Lake") == {library["zeppelin"]}
    assert search(alice_client, "nothing-like-this") == set()


def test_search_combines_with_filters(
    alice_client: Client, db_session: Session, alice: User, library: dict[str, int]
) -> None:
    done = make_task(db_session, alice, "Buy apples", status="completed", tags=("shop",)).id
    assert done not in search(alice_client, "apples")
    assert done in search(alice_client, "apples", status="all")
    assert search(alice_client, "apples", status="completed", tag="shop") == {done}
    assert search(alice_client, "apples", tag="nope", status="all") == set()


def test_search_for_punctuation_alone_matches_it_literally(
    alice_client: Client, library: dict[str, int]
) -> None:
    assert search(alice_client, "%") == {library["percent"]}
    assert search(alice_client, "_") == {library["underscore"]}
    assert search(alice_client, "%%") == set()


def test_hyphenated_words_are_found(alice_client: Client, library: dict[str, int]) -> None:
    assert search(alice_client, "follow-up") == {library["hyphen"]}
    assert search(alice_client, "follow-u") == {library["hyphen"]}
    assert search(alice_client, "follow") == {library["hyphen"]}


@postgres_only
def test_prefix_matches(alice_client: Client, library: dict[str, int]) -> None:
    assert search(alice_client, "zepp") == {library["zeppelin"]}
    assert search(alice_client, "app gre") == {library["green"], library["reversed"]}
    assert search(alice_client, "Zep") == {library["zeppelin"]}


@postgres_only
def test_web_search_syntax(alice_client: Client, library: dict[str, int]) -> None:
    assert search(alice_client, '"buy green"') == {library["green"]}
    assert search(alice_client, '"green apples"') == {library["green"]}
    assert search(alice_client, "apples -green") == {library["red"]}
    assert search(alice_client, "pears or zeppelin") == {library["pears"], library["zeppelin"]}
    assert search(alice_client, '"buy red" or tart') == {library["red"], library["pears"]}


@sqlite_only
def test_like_fallback(alice_client: Client, library: dict[str, int]) -> None:
    assert search(alice_client, "zepp") == {library["zeppelin"]}
    assert search(alice_client, "eppel") == {library["zeppelin"]}  # any part of a word
    assert search(alice_client, "100%") == {library["percent"]}
    assert search(alice_client, "e_c") == {library["underscore"]}  # _ is not a wildcard
    assert search(alice_client, "Walk DOG") == {library["plain"]}


NASTY = [
    '"',
    '""',
    '"unterminated phrase',
    "-",
    "--",
    "- -",
    "or",
    "or or",
    "-or",
    "OR -",
    ":*",
    "a:*",
    "'a':*",
    "'",
    "''",
    "'''",
    "\\",
    "a\\",
    "\\'",
    "&|!()",
    "!",
    "a & b | !c",
    "(a",
    "a)",
    "<->",
    "a <-> b",
    "<2>",
    "%",
    "_",
    "\x00",
    "a\x00b",
    "\x00\x00'\\",
    "\r\n\t",
    "\u200b",
    "\ufeff",
    "ñandú",
    "東京都",
    "🙂",
    "C:\\Users\\x",
    "/usr/local/bin",
    "http://example.com/?a=b&c=d",
    "foo@bar.com",
    "1.2.3",
    "foo-bar",
    "-foo-bar",
    '"-foo"',
    "a:b:c",
    "x" * 5000,
    "word " * 400,
    "<script>alert(1)</script>",
    "%00",
    "SELECT * FROM tasks; --",
]


def check_search_page(client: Client, q: str, all_ids: set[int]) -> None:
    response = client.get("/tasks", query_string={"q": q})
    assert response.status_code == 200, q
    page = response.get_data(as_text=True)
    assert page.rstrip().endswith("</html>")
    assert page.count('<section id="task-list"') == 1
    found = task_ids(page)
    assert set(found) <= all_ids
    assert total_count(page) >= len(found)
    assert "<script>alert" not in page

    fragment = client.get(
        "/tasks", query_string={"q": q}, headers={"HX-Request": "true", "HX-Trigger": "filters"}
    )
    assert fragment.status_code == 200, q
    assert "<html" not in fragment.get_data(as_text=True)
    assert total_count(fragment.get_data(as_text=True)) == total_count(page)


@pytest.mark.parametrize("q", NASTY)
def test_nasty_search_text_never_fails(
    alice_client: Client, library: dict[str, int], q: str
) -> None:
    check_search_page(alice_client, q, set(library.values()))


long_text = st.builds(
    lambda piece, times: piece * times, st.text(min_size=1, max_size=8), st.integers(50, 2000)
)
search_text = st.one_of(
    st.text(),
    st.lists(st.one_of(st.sampled_from(NASTY[:-4]), st.text(max_size=4))).map(" ".join),
    st.lists(st.one_of(st.sampled_from(NASTY[:-4]), st.text(max_size=4))).map("".join),
    long_text,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(q=search_text)
def test_any_search_text_answers_a_list(
    alice_client: Client, library: dict[str, int], q: str
) -> None:
    check_search_page(alice_client, q, set(library.values()))


@postgres_only
def test_full_text_search_can_use_the_gin_index(
    db_session: Session, alice: User, library: dict[str, int]
) -> None:
    """The search expression must stay the one ix_tasks_search is built on."""
    statement = select(Task.id).where(search_condition(db_session, alice, "zepp lake"))
    sql = statement.compile(db_session.get_bind(), compile_kwargs={"literal_binds": True})
    db_session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db_session.scalars(text(f"EXPLAIN {sql}")))
    assert "ix_tasks_search" in plan
    assert set(db_session.scalars(statement)) == {library["zeppelin"]}


@postgres_only
def test_search_index_takes_new_entries_at_once(
    db_session: Session, alice: User, library: dict[str, int]
) -> None:
    """fastupdate is off: a new or changed task goes straight into ix_tasks_search instead
    of a pending list that every later search would have to read through."""
    options = db_session.scalar(
        text("SELECT reloptions FROM pg_class WHERE relname = 'ix_tasks_search'")
    )
    assert options == ["fastupdate=off"]
    db_session.execute(text("CREATE EXTENSION IF NOT EXISTS pgstattuple"))
    pending = db_session.execute(
        text("SELECT pending_pages, pending_tuples FROM pgstatginindex('ix_tasks_search')")
    ).one()
    assert library and tuple(pending) == (0, 0)


@postgres_only
def test_the_indexed_words_belong_to_one_user(
    db_session: Session, alice: User, bob: User, library: dict[str, int]
) -> None:
    """The search index holds each user's words apart (task_search_vector prefixes them
    with the owner's id): the search condition alone, without a user_id condition, finds
    only that user's tasks, whole words, prefixes and phrases alike."""
    bobs = {
        make_task(db_session, bob, "Buy green apples").id,
        make_task(db_session, bob, "Book the airship", description="A zeppelin ride").id,
    }
    for words in ("apples", "zepp", '"green apples"', "buy -red"):
        found_for_alice = set(
            db_session.scalars(select(Task.id).where(search_condition(db_session, alice, words)))
        )
        found_for_bob = set(
            db_session.scalars(select(Task.id).where(search_condition(db_session, bob, words)))
        )
        assert found_for_alice and found_for_alice <= set(library.values()), words
        assert found_for_bob and found_for_bob <= bobs, words


@pytest.mark.parametrize(
    "title",
    [
        "O'Brien's invoice",
        "Pay the invoice it'' twice",
        r"Path C:\invoices\2026 and a \' quote",
        "Ünïcödé invoice — “quoted” 東京 ✓",
        "invoice " + "x" * 190,
        "'leading quote invoice",
    ],
)
def test_any_title_can_be_saved_and_found(
    alice_client: Client, db_session: Session, alice: User, title: str
) -> None:
    """Titles with quotes, backslashes and any letters go through the search vector (on
    PostgreSQL, its text form is edited: it must read back whatever was written)."""
    task_id = make_task(db_session, alice, title, description="it's \\ 'x' y''z").id
    assert search(alice_client, "invoice") == {task_id}


@pytest.mark.parametrize(
    ("text", "narrows"),
    [
        ("invoice", True),
        ("pay invoice", True),
        ("invoice -draft", True),
        ('"green apples"', True),
        ("follow-up", True),
        ("-draft", False),
        ("-draft -old", False),
        ("apples or pears", False),
        ("apples OR pears", False),
        ('"this or that"', False),  # unsure, so the safe way
    ],
)
def test_which_searches_the_index_can_answer_alone(text: str, narrows: bool) -> None:
    assert search_narrows_by_itself(text) is narrows


@postgres_only  # web-search syntax; SQLite's LIKE takes the words literally
def test_searches_that_exclude_or_offer_choices_find_the_users_tasks(
    alice_client: Client, bob_client: Client, library: dict[str, int]
) -> None:
    """These cannot be answered by the search index alone; they must still find exactly
    the user's matching tasks, and none of another user's."""
    bob_task = create_task_via_form(bob_client, title="Walk the cat")
    assert search(alice_client, "-apples") == set(library.values()) - {
        library["green"],
        library["red"],
        library["reversed"],
    }
    assert search(alice_client, "pears or zeppelin") == {library["pears"], library["zeppelin"]}
    assert bob_task not in search(alice_client, "-apples")
    assert search(bob_client, "-apples") == {bob_task}


@postgres_only
@pytest.mark.parametrize(
    "params",
    [{}, {"status": "all"}, {"status": "completed"}, {"view": "nodate"}, {"per_page": "2"}],
)
def test_a_search_that_only_excludes_words_counts_and_pages_like_any_list(
    alice_client: Client, db_session: Session, alice: User, params: dict[str, str]
) -> None:
    """Answered as the list less the index's matches (reading._page_without_words): the
    rows, their order and the total are those of the list narrowed the slow way."""
    make_task(db_session, alice, "Old draft of the report", status="completed")
    make_task(db_session, alice, "Draft the plan")
    make_task(db_session, alice, "Send the report")
    make_task(db_session, alice, "Oldies playlist", status="completed")
    make_task(db_session, alice, "Water the plants")
    for searched, kept in [
        ("-draft", {"Send the report", "Oldies playlist", "Water the plants"}),
        ("-draft -old", {"Send the report", "Water the plants"}),
        # Each word matches as a prefix, as in any search: "plan" also leaves out "plants".
        ("-report -plan", {"Oldies playlist"}),
        ("-report", {"Draft the plan", "Oldies playlist", "Water the plants"}),
    ]:
        query = "?" + urlencode({"q": searched, **params})
        listed = {
            task.title
            for task in db_session.scalars(
                select(Task).where(Task.id.in_(list_ids(alice_client, query)))
            )
        }
        page = alice_client.get("/tasks" + query)
        plain = alice_client.get(
            "/tasks?" + urlencode({k: v for k, v in params.items() if k != "per_page"})
        )
        shown = set(task_ids(plain))
        expected = {
            task.title
            for task in db_session.scalars(select(Task).where(Task.id.in_(shown)))
            if task.title in kept
        }
        assert total_count(page) == len(expected), searched
        if "per_page" not in params:
            assert listed == expected, searched
