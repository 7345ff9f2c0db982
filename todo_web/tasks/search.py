"""Searching the user's tasks: full-text on PostgreSQL (through the per-user search index),
a LIKE per word elsewhere."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Text, and_, cast, func, literal_column, or_
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from ..access import read_reach
from ..models import Task, User

# A letter or digit: what PostgreSQL's text-search parser can make a word of (it splits on
# "_", which Python's \w counts as a word character).
_WORD = re.compile(r"[^\W_]")


def search_condition(session: Session, user: User, text: str) -> ColumnElement[bool]:
    """Match `text` against the title and description of the user's tasks.

    PostgreSQL: full-text search over the GIN-indexed expression, in web-search syntax
    ("quoted phrases", or, -not), every word matched as a prefix so that ``zepp`` finds
    "zeppelin". The indexed words carry their list owner's id, so this condition alone
    finds only tasks of `user`'s lists and of the owners who share lists with them (the
    caller's access condition narrows those to the shared lists). Text with no word
    characters, and SQLite, use a LIKE per word instead (and need the caller's access
    condition).
    """
    if uses_full_text(session, text):
        owners = [user.id, *sorted(read_reach(session, user).owner_ids - {user.id})]
        return or_(*(search_vector().op("@@")(prefix_tsquery(owner, text)) for owner in owners))
    words = text.split()
    return and_(
        *(
            or_(Task.title.ilike(p, escape="\\"), Task.description.ilike(p, escape="\\"))
            for p in (f"%{_escape_like(word)}%" for word in words)
        )
    )


def uses_full_text(session: Session, text: str) -> bool:
    """Whether a search for `text` goes through the full-text index (else: LIKE)."""
    return session.get_bind().dialect.name == "postgresql" and bool(_WORD.search(text))


def search_narrows_by_itself(text: str) -> bool:
    """Whether every match of a full-text search for `text` must contain some word of it,
    so that the search index alone finds the user's matches (the indexed words carry the
    user's id). Not so for a search of excluded words only ("-draft") or with "or": it
    matches tasks that contain none of its words, which the index cannot list, and the
    user's tasks must be read one by one. When unsure (an "or" inside quotes), no."""
    words = text.lower().split()
    return "or" not in words and any(not word.startswith("-") for word in words)


def excluded_words(text: str) -> list[str] | None:
    """The words of a search that only excludes words ("-draft -old"), without their
    minus; None for any other search (or quotes, which may hold a phrase). Its matches are
    the tasks that match none of them, found as all tasks but those the index finds for
    "draft or old" (see reading.list_tasks)."""
    words = text.split()
    if not words or '"' in text:
        return None
    if any(not word.startswith("-") or not _WORD.search(word) for word in words):
        return None
    return [word[1:] for word in words]


def search_vector() -> ColumnElement[object]:
    """The expression the GIN index ix_tasks_search is built on: keep both identical. The
    words of title and description, each prefixed with the owner's id (``'7_invoice'``);
    the SQL function comes from the migration "search words kept per user"."""
    return func.task_search_vector(Task.user_id, Task.title, Task.description)


def prefix_tsquery(owner_id: int, text: str) -> ColumnElement[object]:
    """websearch_to_tsquery, with every lexeme turned into a prefix match of the words of
    one owner's tasks (``'zepp'`` becomes ``'7_zepp':*``)."""
    parsed = func.websearch_to_tsquery(literal_column("'simple'::regconfig"), text)
    as_prefixes = func.regexp_replace(
        parsed.cast(Text()),
        literal_column(r"'''((?:[^'']|'''')+)'''"),
        f"'{int(owner_id)}_\\1':*",
        literal_column("'g'"),
    )
    # A cast, not to_tsquery(): to_tsquery would parse the lexemes again and split a
    # hyphenated word ('follow-up') into parts that can no longer match as a phrase.
    return cast(as_prefixes, TSQUERY())


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
