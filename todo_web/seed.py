"""`flask --app wsgi seed`: realistic demo and benchmark data, quickly.

Users get an Inbox and 5 to 15 lists of their own, and tasks spread over them (the Inbox
takes about a fifth) in a gapped manual order, about a tenth of them subtasks (up to three
levels below a top-level task), with tags, due dates spread over the past and the future,
a mix of statuses and priorities, some recurring, some soft-deleted; plus one heavy user
with far more tasks than anyone. Every seeded account has the address ``…@seed.example``
(a domain reserved for examples, so no mail can reach anyone), the password
``SEED_PASSWORD`` and the daily digest switched off.

Speed comes from a few choices: one bcrypt hash computed once and shared by every account;
ids assigned here rather than returned row by row, so tasks and their tags are written in
bulk; PostgreSQL's COPY (psycopg2 ``copy_expert``) for tasks and task_tags, batched
``executemany`` on SQLite; and on PostgreSQL, into empty tables, the secondary indexes
built after the load and the task counts computed in one statement instead of by the
per-row triggers (the users' task counts and the lists' open counts). A million tasks take
under a minute and a half on a 2-core machine.

Meant for empty or demo databases: on PostgreSQL it locks the task tables for the length
of the load.
"""

from __future__ import annotations

import bisect
import io
import itertools
import random
import secrets
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Connection, func, insert, select, text

from .db import build_engine
from .models import INBOX_NAME, OPEN_STATUSES, Tag, Task, TaskList, User, task_tags
from .ordering import GAP
from .passwords import hash_password
from .tasks.tree import path_segment

SEED_PASSWORD = "seed password"
SEED_DOMAIN = "seed.example"
HEAVY_EMAIL = f"heavy@{SEED_DOMAIN}"

_VERBS = (
    "Call", "Email", "Buy", "Book", "Pay", "Fix", "Clean", "Review", "Write", "Plan",
    "Order", "Return", "Renew", "Schedule", "Prepare", "Check", "Update", "Send", "Pick up",
    "Cancel", "Read", "Finish", "Draft", "Sort", "Water", "Back up", "Print", "Sign", "Test",
    "Repair",
)  # fmt: skip
_OBJECTS = (
    "the plumber", "the dentist", "groceries", "train tickets", "the electricity bill",
    "the bike", "the kitchen", "the quarterly report", "thank-you notes", "the garden",
    "birthday present", "library books", "passport", "car insurance", "team meeting",
    "slides", "invoice", "tax return", "the gutters", "the newsletter", "flight to Lisbon",
    "hotel in Porto", "vet appointment", "the budget", "photos", "the laptop", "contract",
    "the lease", "parents' anniversary", "the roof", "winter tyres", "the server",
    "release notes", "the backlog", "gym membership", "the plants", "the fridge",
    "school forms", "the recipe book", "conference talk", "the blog post", "the zeppelin model",
    "the piano", "the shed", "project proposal", "expense claim", "the bookshelf",
    "the harbour permit", "the choir rehearsal", "the quilt",
)  # fmt: skip
_SUFFIXES = ("", "", "", "", " for Anna", " before Friday", " again", " with Sam", " (urgent)")
_DESCRIPTIONS = (
    "",
    "",
    "",
    "Ask about the price first.",
    "Keep the receipt for the tax return.",
    "Check the notes from last time before starting.",
    "Remember to compare at least three offers.",
    "Needs the signed copy from the drawer in the study.",
    "Bring the folder with the warranty papers.",
    "Coordinate with the neighbours; they wanted to join.",
)
_TAGS = (
    "work", "home", "errands", "health", "finance", "reading", "garden", "travel",
    "family", "car", "admin", "shopping", "urgent", "someday", "calls", "computer",
    "school", "music", "sport", "friends",
)  # fmt: skip
_RULES = (
    "FREQ=DAILY",
    "FREQ=WEEKLY",
    "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "FREQ=MONTHLY",
    "FREQ=YEARLY",
    "FREQ=WEEKLY;INTERVAL=2",
)
_LIST_NAMES = (
    "Work", "Home", "Groceries", "Errands", "Garden", "Travel", "Finance", "Health",
    "Reading list", "Family", "Car", "Side project", "Renovation", "School", "Someday",
    "Music", "Sport", "Birthday party", "Volunteering", "Paperwork",
)  # fmt: skip
_ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London")
# (status, weight): a list people use has far more done than open.
_STATUSES = (("pending", 40), ("in_progress", 8), ("completed", 47), ("cancelled", 5))
_PRIORITIES = ((1, 30), (2, 50), (3, 20))

#: How many lists each user gets besides the Inbox.
_LISTS_PER_USER = (5, 15)
#: The share of a user's tasks that go to the Inbox; the rest are spread over the other
#: lists, some fuller than others.
_INBOX_SHARE = 0.2
#: The share of tasks made subtasks of an earlier task of their list (a little less in
#: practice: a list's first tasks have no candidate parent yet), and how deep they nest:
#: a top-level task and up to this many levels below it.
_SUBTASK_SHARE = 0.1
_SUBTASK_LEVELS = 3
_OPEN = frozenset(status.value for status in OPEN_STATUSES)

#: Rows per COPY or executemany round.
_BATCH = 50_000


@dataclass(frozen=True)
class SeedPlan:
    users: int = 1000
    tasks_per_user: int = 1000
    heavy_tasks: int = 50_000
    tags_per_user: int = 8
    seed: int = 1
    password: str = SEED_PASSWORD


@dataclass(frozen=True)
class SeedReport:
    users: int
    lists: int
    tasks: int
    tags: int
    task_tags: int
    heavy_email: str | None
    seconds: float


@dataclass(frozen=True)
class _SeedUser:
    id: int
    tasks: int
    tag_ids: tuple[int, ...]
    inbox_id: int
    #: The user's other lists, and their cumulative weights (how full each one gets).
    list_ids: tuple[int, ...]
    list_weights: tuple[int, ...]

    @property
    def lists(self) -> int:
        return 1 + len(self.list_ids)


def existing_user_count(connection: Connection) -> int:
    return connection.scalar(select(func.count()).select_from(User)) or 0


def seed(connection: Connection, plan: SeedPlan, *, bcrypt_rounds: int) -> SeedReport:
    """Write the plan's users, their lists and tags, tasks and task tags in the connection's
    transaction."""
    started = time.perf_counter()
    rng = random.Random(plan.seed)
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        # Ids are assigned here; keep anyone else from inserting meanwhile (reads go on).
        connection.execute(text("LOCK TABLE users, lists, tags, tasks IN SHARE ROW EXCLUSIVE MODE"))
    now = datetime.now(UTC).replace(microsecond=0)
    users = _insert_users(connection, plan, rng, now, bcrypt_rounds)
    tag_count = sum(len(user.tag_ids) for user in users)
    list_count = sum(user.lists for user in users)
    task_rows, link_rows = _task_rows(connection, users, rng, now)
    if postgres:
        with (
            _indexes_set_aside(connection, ("tasks", "task_tags")),
            _counts_trigger_paused(connection, [user.id for user in users]),
        ):
            tasks, links = _copy_tasks(connection, task_rows, link_rows)
        for table in ("users", "lists", "tags", "tasks"):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    else:
        tasks, links = _insert_tasks(connection, task_rows, link_rows)
    heavy_email = None
    if plan.heavy_tasks:  # the last user created
        heavy_email = connection.scalar(select(User.email).where(User.id == users[-1].id))
    return SeedReport(
        users=len(users),
        lists=list_count,
        tasks=tasks,
        tags=tag_count,
        task_tags=links,
        heavy_email=heavy_email,
        seconds=time.perf_counter() - started,
    )


def analyze(connection: Connection) -> None:
    """Fresh planner statistics and visibility map after a bulk load (PostgreSQL; must run
    outside a transaction). Without it the first queries plan on an empty table's numbers."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("VACUUM ANALYZE users, lists, tags, tasks, task_tags, task_counts"))
    else:
        connection.execute(text("ANALYZE"))


# -- users, lists and tags -----------------------------------------------------------------


def _insert_users(
    connection: Connection, plan: SeedPlan, rng: random.Random, now: datetime, rounds: int
) -> list[_SeedUser]:
    password_hash = hash_password(plan.password, rounds)  # once: bcrypt is slow on purpose
    taken = set(connection.scalars(select(User.email).where(User.email.like(f"%@{SEED_DOMAIN}"))))
    next_user_id = _max_id(connection, "users") + 1
    next_tag_id = _max_id(connection, "tags") + 1
    next_list_id = _max_id(connection, "lists") + 1
    emails = _fresh_emails(taken, plan.users, heavy=plan.heavy_tasks > 0)
    sizes = [plan.tasks_per_user] * plan.users + ([plan.heavy_tasks] if plan.heavy_tasks else [])
    user_rows, list_rows, tag_rows, users = [], [], [], []
    for index, (email, size) in enumerate(zip(emails, sizes, strict=True)):
        user_id = next_user_id + index
        created = now - timedelta(days=rng.randint(30, 1000))
        user_rows.append(
            {
                "id": user_id,
                "email": email,
                "password_hash": password_hash,
                "name": email.split("@")[0].replace("user", "User ").title(),
                "timezone": rng.choice(_ZONES),
                "notify_task_changes": False,
                "notify_daily_digest": False,
                "session_token": secrets.token_urlsafe(24),
                "created_at": created,
                "updated_at": created,
            }
        )
        names = rng.sample(_TAGS, min(len(_TAGS), plan.tags_per_user * (2 if size > 5000 else 1)))
        tag_ids = tuple(range(next_tag_id, next_tag_id + len(names)))
        next_tag_id += len(names)
        tag_rows.extend(
            {"id": tag_id, "user_id": user_id, "name": name}
            for tag_id, name in zip(tag_ids, names, strict=True)
        )
        # The Inbox first (position 0), then the other lists in a gapped order.
        list_names = [INBOX_NAME, *rng.sample(_LIST_NAMES, rng.randint(*_LISTS_PER_USER))]
        list_ids = tuple(range(next_list_id, next_list_id + len(list_names)))
        next_list_id += len(list_names)
        list_rows.extend(
            {
                "id": list_id,
                "owner_id": user_id,
                "name": name,
                "is_inbox": order == 0,
                "position": order * GAP,
                "open_count": 0,  # counted once the tasks are in (see seed())
                "created_at": created,
            }
            for order, (list_id, name) in enumerate(zip(list_ids, list_names, strict=True))
        )
        weights = list(itertools.accumulate(rng.randint(1, 10) for _ in list_ids[1:]))
        users.append(_SeedUser(user_id, size, tag_ids, list_ids[0], list_ids[1:], tuple(weights)))
    if user_rows:
        connection.execute(insert(User.__table__), user_rows)
    if list_rows:
        connection.execute(insert(TaskList.__table__), list_rows)
    if tag_rows:
        connection.execute(insert(Tag.__table__), tag_rows)
    return users


def _fresh_emails(taken: set[str], count: int, *, heavy: bool) -> list[str]:
    """user1@…, user2@…, skipping addresses an earlier seed took; then the heavy user."""
    emails: list[str] = []
    number = 1
    while len(emails) < count:
        email = f"user{number}@{SEED_DOMAIN}"
        if email not in taken:
            emails.append(email)
        number += 1
    if heavy:
        email, number = HEAVY_EMAIL, 1
        while email in taken:
            number += 1
            email = f"heavy{number}@{SEED_DOMAIN}"
        emails.append(email)
    return emails


def _max_id(connection: Connection, table: str) -> int:
    return connection.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table}")) or 0


# -- tasks ---------------------------------------------------------------------------------

_TASK_COLUMNS = (
    "id", "user_id", "title", "description", "status", "priority", "due_date", "due_time",
    "recurrence", "completed_at", "deleted_at", "created_at", "updated_at", "list_id",
    "parent_id", "position", "order_path",
)  # fmt: skip


def _task_rows(
    connection: Connection, users: Sequence[_SeedUser], rng: random.Random, now: datetime
) -> tuple[Iterator[tuple[object, ...]], list[tuple[int, int]]]:
    """The task rows (a generator: a million rows need not sit in memory as tuples) and the
    task_tags pairs, filled in as the generator runs."""
    links: list[tuple[int, int]] = []
    first_id = _max_id(connection, "tasks") + 1

    def rows() -> Iterator[tuple[object, ...]]:
        task_id = first_id
        for user in users:
            tree = _Tree(user, rng)
            for _ in range(user.tasks):
                row = _task_row(task_id, user.id, rng, now)
                yield (*row, *tree.place(task_id, status=row[4], deleted=row[10] is not None))
                for tag_id in _some(rng, user.tag_ids):
                    links.append((task_id, tag_id))
                task_id += 1

    return rows(), links


def _task_row(task_id: int, user_id: int, rng: random.Random, now: datetime) -> tuple[object, ...]:
    random_ = rng.random
    title = f"{rng.choice(_VERBS)} {rng.choice(_OBJECTS)}{rng.choice(_SUFFIXES)}"
    status = _weighted(rng, _STATUSES)
    created = now - timedelta(seconds=rng.randint(3600, 730 * 86400))
    updated = created + timedelta(seconds=rng.randint(0, int((now - created).total_seconds())))
    due_date: date | None = None
    due_time: clock | None = None
    if random_() < 0.7:
        due_date = now.date() + timedelta(days=rng.randint(-200, 200))
        if random_() < 0.2:
            due_time = clock(rng.randint(7, 20), rng.choice((0, 15, 30, 45)))
    recurrence = None
    if random_() < 0.05:
        recurrence = rng.choice(_RULES)
        due_date = due_date or now.date() + timedelta(days=rng.randint(0, 30))
    completed = updated if status == "completed" else None
    deleted = updated if random_() < 0.02 else None
    return (
        task_id,
        user_id,
        title,
        rng.choice(_DESCRIPTIONS),
        status,
        _weighted(rng, _PRIORITIES),
        due_date,
        due_time,
        recurrence,
        completed,
        deleted,
        created,
        updated,
    )


class _Tree:
    """Where one user's tasks go, one after the other: a list (the Inbox or one of the
    others, by weight), sometimes a parent (an earlier task of the same list, less than
    _SUBTASK_LEVELS deep), and a position after the siblings placed before it.

    An open subtask gets an open parent, and no subtask gets a deleted one: completing a
    parent completes its subtasks and deleting it deletes them, so the app would never
    leave an open task under a closed parent or a live one under a deleted parent."""

    def __init__(self, user: _SeedUser, rng: random.Random) -> None:
        self.user, self.rng = user, rng
        self.total_weight = user.list_weights[-1] if user.list_weights else 0
        #: Candidate parents of each list: (task id, depth), live ones and open ones.
        self.live: dict[int, list[tuple[int, int]]] = {}
        self.open: dict[int, list[tuple[int, int]]] = {}
        #: How many siblings each (list, parent) has so far.
        self.siblings: dict[tuple[int, int | None], int] = {}
        #: Each placed task's order_path (what the database's triggers would write).
        self.paths: dict[int, str] = {}

    def place(self, task_id: int, *, status: object, deleted: bool) -> tuple[object, ...]:
        """(list_id, parent_id, position, order_path) of the next task."""
        rng, user = self.rng, self.user
        if not user.list_ids or rng.random() < _INBOX_SHARE:
            list_id = user.inbox_id
        else:
            spot = rng.random() * self.total_weight
            list_id = user.list_ids[bisect.bisect_right(user.list_weights, spot)]
        is_open = status in _OPEN
        parent_id, depth = None, 0
        if rng.random() < _SUBTASK_SHARE:
            candidates = (self.open if is_open else self.live).get(list_id)
            if candidates:
                parent_id, parent_depth = candidates[rng.randrange(len(candidates))]
                depth = parent_depth + 1
        key = (list_id, parent_id)
        count = self.siblings[key] = self.siblings.get(key, 0) + 1
        if not deleted and depth < _SUBTASK_LEVELS:
            self.live.setdefault(list_id, []).append((task_id, depth))
            if is_open:
                self.open.setdefault(list_id, []).append((task_id, depth))
        position = count * GAP
        path = self.paths.get(parent_id, "") if parent_id else ""
        path += path_segment(position)
        if depth < _SUBTASK_LEVELS:
            self.paths[task_id] = path
        return list_id, parent_id, position, path


def _some(rng: random.Random, tag_ids: Sequence[int]) -> Sequence[int]:
    """None, one, two or three of the user's tags (about 1.1 per task on average)."""
    roll = rng.random()
    count = 0 if roll < 0.3 else 1 if roll < 0.7 else 2 if roll < 0.9 else 3
    return rng.sample(tag_ids, min(count, len(tag_ids)))


def _weighted(rng: random.Random, choices: Sequence[tuple[object, int]]) -> object:
    values = [value for value, _ in choices]
    weights = [weight for _, weight in choices]
    return rng.choices(values, weights)[0]


def _batches(rows: Iterable[tuple[object, ...]], size: int) -> Iterator[list[tuple[object, ...]]]:
    batch: list[tuple[object, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _copy_tasks(
    connection: Connection,
    task_rows: Iterator[tuple[object, ...]],
    link_rows: list[tuple[int, int]],
) -> tuple[int, int]:
    """COPY in PostgreSQL's text format. The generated text has no tab, newline or
    backslash, so only NULL (\\N) needs writing specially."""
    cursor = connection.connection.cursor()
    tasks = 0
    try:
        for batch in _batches(task_rows, _BATCH):
            cursor.copy_expert(
                f"COPY tasks ({', '.join(_TASK_COLUMNS)}) FROM STDIN", _copy_text(batch)
            )
            tasks += len(batch)
        for batch in _batches(link_rows, _BATCH * 2):
            cursor.copy_expert("COPY task_tags (task_id, tag_id) FROM STDIN", _copy_text(batch))
    finally:
        cursor.close()
    return tasks, len(link_rows)


@contextmanager
def _indexes_set_aside(connection: Connection, tables: Sequence[str]) -> Iterator[None]:
    """Drop the tables' secondary indexes for the load and build them again afterwards, in
    the same transaction: building an index once is much faster than updating it a million
    times (the advice of PostgreSQL's "Populating a Database"). Only done while the tables
    are empty; an index that backs a constraint (primary key, unique) stays."""
    if connection.scalar(text("SELECT EXISTS (SELECT 1 FROM tasks)")):
        yield
        return
    definitions = connection.execute(
        text(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid "
            "WHERE i.indrelid = ANY(CAST(:tables AS regclass[])) AND c.oid IS NULL"
        ),
        {"tables": list(tables)},
    ).all()
    for name, _ in definitions:
        connection.execute(text(f"DROP INDEX {name}"))
    yield
    connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for _, definition in definitions:
        connection.execute(text(definition))


#: The per-row triggers on tasks that keep counts elsewhere (migrations 822d4f75ec9b and
#: a7c3e19b5d24): task_counts, and lists.open_count; and the one that writes order_path,
#: which the rows bring along already.
_COUNT_TRIGGERS = ("tasks_keep_counts", "tasks_keep_list_counts", "tasks_keep_order_path")


@contextmanager
def _counts_trigger_paused(connection: Connection, user_ids: Sequence[int]) -> Iterator[None]:
    """Load without the per-row triggers that keep task_counts and the lists' open counts,
    then count the new users' tasks in one statement each: a million calls of each trigger
    (the second one updating a list row per open task) would more than double the time of
    the load. The new users' ids are consecutive and above everyone else's."""
    for trigger in _COUNT_TRIGGERS:
        connection.execute(text(f"ALTER TABLE tasks DISABLE TRIGGER {trigger}"))
    yield
    for trigger in _COUNT_TRIGGERS:
        connection.execute(text(f"ALTER TABLE tasks ENABLE TRIGGER {trigger}"))
    if user_ids:
        users = {"first": min(user_ids), "last": max(user_ids)}
        connection.execute(
            text(
                "INSERT INTO task_counts (user_id, status, due_date, n) "
                "SELECT user_id, status, due_date, count(*) FROM tasks "
                "WHERE deleted_at IS NULL AND user_id BETWEEN :first AND :last "
                "GROUP BY user_id, status, due_date"
            ),
            users,
        )
        connection.execute(
            text(
                "UPDATE lists SET open_count = counted.n FROM ("
                "SELECT list_id, count(*) AS n FROM tasks "
                "WHERE deleted_at IS NULL AND status IN ('pending', 'in_progress') "
                "AND user_id BETWEEN :first AND :last GROUP BY list_id) AS counted "
                "WHERE lists.id = counted.list_id"
            ),
            users,
        )


def _copy_text(rows: Sequence[tuple[object, ...]]) -> io.StringIO:
    def field(value: object) -> str:
        if value is None:
            return "\\N"
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value)

    return io.StringIO("".join("\t".join(map(field, row)) + "\n" for row in rows))


def _insert_tasks(
    connection: Connection,
    task_rows: Iterator[tuple[object, ...]],
    link_rows: list[tuple[int, int]],
) -> tuple[int, int]:
    """Batched executemany through SQLAlchemy Core (which converts dates and times)."""
    table = Task.__table__
    tasks = 0
    for batch in _batches(task_rows, _BATCH):
        connection.execute(
            insert(table), [dict(zip(_TASK_COLUMNS, row, strict=True)) for row in batch]
        )
        tasks += len(batch)
    for batch in _batches(link_rows, _BATCH):
        connection.execute(
            insert(task_tags), [{"task_id": task, "tag_id": tag} for task, tag in batch]
        )
    return tasks, len(link_rows)


# -- the command ---------------------------------------------------------------------------


@click.command("seed")
@click.option("--users", type=click.IntRange(min=0), default=1000, show_default=True)
@click.option("--tasks-per-user", type=click.IntRange(min=0), default=1000, show_default=True)
@click.option(
    "--heavy-tasks",
    type=click.IntRange(min=0),
    default=50_000,
    show_default=True,
    help="Tasks of one extra, heavy user (0: none).",
)
@click.option("--seed", "seed_value", type=int, default=1, show_default=True)
@click.option("--force", is_flag=True, help="Add to a database that already has users.")
@with_appcontext
def seed_command(
    users: int, tasks_per_user: int, heavy_tasks: int, seed_value: int, force: bool
) -> None:
    """Fill the database with seeded users and their tasks (for demos and benchmarks)."""
    plan = SeedPlan(
        users=users, tasks_per_user=tasks_per_user, heavy_tasks=heavy_tasks, seed=seed_value
    )
    # Its own engine, without the per-transaction time limits the web app's engine sets
    # (db.Timeouts): like a migration, building a million rows and their indexes rightly
    # takes longer than any one request may.
    engine = build_engine(current_app.config["DATABASE_URL"])
    try:
        with engine.begin() as connection:
            present = existing_user_count(connection)
            if present and not force:
                raise click.ClickException(
                    f"The database already has {present} users. Seed an empty database, "
                    "or add --force to add the seeded users to these."
                )
            report = seed(connection, plan, bcrypt_rounds=current_app.config["BCRYPT_ROUNDS"])
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            analyze(connection)
    finally:
        engine.dispose()
    click.echo(
        f"Seeded {report.users} users, {report.lists} lists, {report.tags} tags, "
        f"{report.tasks} tasks and "
        f"{report.task_tags} task tags in {report.seconds:.1f} s."
    )
    click.echo(f"Every seeded account logs in with the password {SEED_PASSWORD!r}.")
    if report.heavy_email:
        click.echo(f"Heavy user ({heavy_tasks} tasks): {report.heavy_email}")
