"""The data model: users, their tasks, tags, the association between them, lists and their
members, reminders and push subscriptions, the two queues (mail and push), and when the
worker's periodic jobs last ran.

Constraints live in the database as well as in the forms, so that a bug in a view or a
hand-written script cannot store a task without a title or a completed task without its
completion time.
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
    false,
    func,
    literal,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from .db import Base, UTCDateTime, utcnow

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
#: The longest idempotency key a create form may send (todo_web.tasks.submissions).
KEY_MAX = 64
TAG_NAME_MAX = 50
EMAIL_MAX = 254
NAME_MAX = 100
LIST_NAME_MAX = 100
#: The reminder choices: minutes before the due moment (DESIGN.md, "Reminders").
REMIND_MINUTES = (0, 10, 30, 60, 1440)
REMIND_LABELS = {
    0: "When it is due",
    10: "10 minutes before",
    30: "30 minutes before",
    60: "1 hour before",
    1440: "1 day before",
}
DEFAULT_REMINDER_HOUR = 9
#: The longest push endpoint URL accepted (the browsers' are a few hundred characters).
PUSH_ENDPOINT_MAX = 1000
INBOX_NAME = "Inbox"
#: How deep subtasks nest: a top-level task and four levels below it.
MAX_DEPTH = 5
#: Sixteen hex digits per level of the tree; byte order ("C") on PostgreSQL.
ORDER_PATH_TYPE = String(16 * MAX_DEPTH).with_variant(
    String(16 * MAX_DEPTH, collation="C"), "postgresql"
)


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


def new_calendar_secret() -> str:
    """The secret part of a user's calendar feed URL: 256 random bits, URL-safe (43 chars)."""
    return secrets.token_urlsafe(32)


class TaskStatus(enum.StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


#: The statuses of a task still to be done: the Inbox, the smart views, the digest.
OPEN_STATUSES = (TaskStatus.PENDING, TaskStatus.IN_PROGRESS)


def is_open_status(status: ColumnElement[TaskStatus]) -> ColumnElement[bool]:
    """`status IN ('pending', 'in_progress')` with one bind parameter per status. A plain
    `in_(OPEN_STATUSES)` is an "expanding" parameter: SQLAlchemy then rewrites the whole
    compiled statement's text at every execution, which the sidebar and the page pay for
    on every request."""
    return status.in_([literal(value, status.type) for value in OPEN_STATUSES])


class Priority(enum.IntEnum):
    """Stored as 1..3 so that ORDER BY priority DESC means high, medium, low."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> Priority:
        return cls[label.upper()]


#: Todoist's priorities ("1" is its p1, the most urgent) as todo-web's three: the one table
#: both the Todoist importer and quick add's `p1`..`p4` read.
TODOIST_PRIORITIES = {
    "1": Priority.HIGH,
    "2": Priority.HIGH,
    "3": Priority.MEDIUM,
    "4": Priority.MEDIUM,
}


class PriorityType(TypeDecorator[Priority]):
    impl = SmallInteger
    cache_ok = True

    def process_bind_param(self, value: Priority | int | None, dialect: object) -> int | None:
        return None if value is None else int(value)

    def process_result_value(self, value: int | None, dialect: object) -> Priority | None:
        return None if value is None else Priority(value)


class TaskStatusType(TypeDecorator[TaskStatus]):
    """A TaskStatus stored as its string (VARCHAR(20), checked by the status_valid
    constraint, not a database enum type)."""

    impl = String(20)
    cache_ok = True

    def process_bind_param(self, value: TaskStatus | str | None, dialect: object) -> str | None:
        return None if value is None else TaskStatus(value).value

    def process_result_value(self, value: str | None, dialect: object) -> TaskStatus | None:
        return None if value is None else TaskStatus(value)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class User(TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint("length(name) >= 1", name="name_not_empty"),
        CheckConstraint("reminder_hour >= 0 AND reminder_hour <= 23", name="reminder_hour_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    notify_task_changes: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    notify_daily_digest: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The hour (in the user's time zone) a reminder of a task with a date but no time is
    # about: "remind 30 minutes before" a task due on the 3rd means 08:30 on the 3rd.
    reminder_hour: Mapped[int] = mapped_column(
        SmallInteger, default=DEFAULT_REMINDER_HOUR, server_default=str(DEFAULT_REMINDER_HOUR)
    )
    # Part of the Flask-Login id: replacing it ends every session and remember-me cookie.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # Names the private calendar feed (/calendar/<secret>.ics); replacing it retires the old
    # URL. Unique index below. Nullable only because SQLite cannot add a NOT NULL column to
    # a filled table in place: every user gets one when created (and by the migration).
    calendar_secret: Mapped[str | None] = mapped_column(String(64), default=new_calendar_secret)
    # When the owner last used a mailed unlock link (todo_web/auth/lockout.py); the link
    # is signed over it, so using one retires it and every link mailed before.
    login_unlocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tasks: Mapped[list[Task]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        passive_deletes=True,
        foreign_keys="Task.user_id",
    )
    tags: Mapped[list[Tag]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    lists: Mapped[list[TaskList]] = relationship(
        back_populates="owner", cascade="all, delete-orphan", passive_deletes=True
    )

    # Flask-Login protocol, written out instead of inheriting UserMixin so that get_id
    # carries the session token.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    #: The login session this request runs in (set by the auth blueprint, never stored).
    login_session_id = None  # str | None, per loaded instance; not a column
    #: Whether someone shares a list with the user, read with the login (todo_web.access);
    #: None when not known (a user loaded another way).
    has_shared_lists = None  # bool | None, per loaded instance; not a column

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}:{self.login_session_id or ''}"

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()


Index("uq_users_calendar_secret", User.calendar_secret, unique=True)


task_tags = Table(
    "task_tags",
    Base.metadata,
    Column("task_id", ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # A tag's tasks, answered from the index alone (the tag filter of the list).
    Index("ix_task_tags_tag_id_task_id", "tag_id", "task_id"),
)


class TaskList(Base):
    """A list (a project): every task belongs to exactly one. Every user has one Inbox,
    made with the account, which cannot be renamed or deleted.

    `open_count` (pending and in-progress tasks, not deleted) is kept by database triggers
    on tasks, like task_counts, so the sidebar reads every list's count in one indexed
    query whatever the list holds. Deleting a list is soft (`deleted_at`, shared with the
    tasks it takes along), so that Undo restores both; the purge removes it for good.
    """

    __tablename__ = "lists"
    __table_args__ = (
        CheckConstraint(
            f"length(name) >= 1 AND length(name) <= {LIST_NAME_MAX}", name="name_length"
        ),
        CheckConstraint("open_count >= 0", name="open_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by uq_lists_owner_id_lower_name below, which starts with owner_id.
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(LIST_NAME_MAX))
    is_inbox: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    position: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    open_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Grows with every write to the list's tasks (a trigger): what a page of the list was
    # drawn at, so that its poll learns from one lookup whether anything changed.
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # How many members the list has, its owner included (kept by triggers on list_members):
    # more than one, and it is shared.
    member_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship(back_populates="lists")


# One live list per name per owner, whatever the case; a deleted list frees its name (its
# Undo checks the name again).
Index(
    "uq_lists_owner_id_lower_name",
    TaskList.owner_id,
    func.lower(TaskList.name),
    unique=True,
    postgresql_where=text("deleted_at IS NULL"),
    sqlite_where=text("deleted_at IS NULL"),
)
# One Inbox per owner.
Index(
    "uq_lists_owner_id_inbox",
    TaskList.owner_id,
    unique=True,
    postgresql_where=text("is_inbox"),
    sqlite_where=text("is_inbox"),
)


class Role(enum.StrEnum):
    """A member's role in a list (DESIGN.md, "Sharing"); todo_web.access says what each
    may do."""

    OWNER = "owner"
    EDITOR = "editor"
    VIEWER = "viewer"


#: The roles an invitation may offer (a list has one owner, made by transfer).
INVITABLE_ROLES = (Role.EDITOR, Role.VIEWER)


class ListMember(Base):
    """Who belongs to a list and as what. The owner has a row too (role "owner"), so "the
    lists this user can see" is one indexed lookup here. A membership row also feeds the
    member's task_counts (triggers, see the sharing migration) and, through the access
    model, every query."""

    __tablename__ = "list_members"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'editor', 'viewer')", name="role_valid"),
        # A user's lists (the access model's lookup), answered from the index alone.
        Index("ix_list_members_user_id_list_id", "user_id", "list_id", "role"),
    )

    list_id: Mapped[int] = mapped_column(
        ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class Invitation(Base):
    """An invitation to join a list, sent by e-mail. Pending while none of accepted_at,
    declined_at and revoked_at is set and it is younger than INVITATION_DAYS. Accepting
    needs the account with `email`; an address without an account at the time of the
    invitation (`needs_token`) accepts only through the signed link of the mail."""

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint("role IN ('editor', 'viewer')", name="role_valid"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        Index("ix_invitations_email", "email"),
        Index("ix_invitations_list_id", "list_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("lists.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX))
    role: Mapped[str] = mapped_column(String(10))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    needs_token: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mailed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    task_list: Mapped[TaskList] = relationship()
    invited_by: Mapped[User | None] = relationship()


#: How long an invitation can be accepted.
INVITATION_DAYS = 14


class Task(TimestampMixin, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(
            f"length(title) >= 1 AND length(title) <= {TITLE_MAX}", name="title_length"
        ),
        CheckConstraint(f"length(description) <= {DESCRIPTION_MAX}", name="description_length"),
        CheckConstraint(
            "status IN ('pending', 'in_progress', 'completed', 'cancelled')", name="status_valid"
        ),
        CheckConstraint("priority IN (1, 2, 3)", name="priority_valid"),
        CheckConstraint("due_time IS NULL OR due_date IS NOT NULL", name="due_time_needs_date"),
        CheckConstraint(
            "(status = 'completed') = (completed_at IS NOT NULL)",
            name="completed_at_matches_status",
        ),
        CheckConstraint(
            "remind_minutes IS NULL OR remind_minutes IN "
            f"({', '.join(str(m) for m in REMIND_MINUTES)})",
            name="remind_minutes_valid",
        ),
        # The list's default view: open tasks of one user ordered by due date or creation.
        Index("ix_tasks_user_id_status_due_date", "user_id", "status", "due_date"),
        Index("ix_tasks_user_id_created_at", "user_id", "created_at"),
        Index("ix_tasks_user_id_updated_at", "user_id", "updated_at"),
        Index("ix_tasks_user_id_priority", "user_id", "priority"),
        # The purge of soft-deleted tasks scans by deletion time across users.
        Index("ix_tasks_deleted_at", "deleted_at"),
        # A sibling group in its order (moves), a task's subtasks, and one list read as a
        # tree in its manual order (the list page).
        Index("ix_tasks_list_id_parent_id_position", "list_id", "parent_id", "position"),
        Index("ix_tasks_parent_id", "parent_id"),
        Index("ix_tasks_list_id_order_path_id", "list_id", "order_path", "id"),
        # The open tasks of the lists shared with a user, by due date (the smart views and
        # the sidebar's late-today count across lists); a member's assigned tasks.
        Index("ix_tasks_list_id_status_due_date", "list_id", "status", "due_date"),
        Index("ix_tasks_assignee_id", "assignee_id"),
        # One task per submitted create form (todo_web.tasks.submissions).
        Index(
            "uq_tasks_created_by_id_idempotency_key",
            "created_by_id",
            "idempotency_key",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed through the composite indexes above, which all start with user_id.
    # The owner of the task's list (kept equal to lists.owner_id, also on a transfer): the
    # owner's own pages read their tasks through the per-user indexes, and search words
    # carry it. Who made the task is created_by_id.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    list_id: Mapped[int] = mapped_column(ForeignKey("lists.id", ondelete="CASCADE"))
    # A subtask's parent: a task of the same list (checked by todo_web.tasks.tree).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    # The manual order among siblings (same list, same parent); see todo_web.ordering.
    position: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The task's place in its list's tree: its ancestors' positions and its own, each as 16
    # hex digits, so that sorting by it reads the tree top to bottom, a parent right before
    # its subtasks. Written by database triggers from position and the parent's path;
    # todo_web.tasks.lifecycle rewrites the paths below a task it moves. Only SQL reads it
    # (sorts and rewrites), so loading a task leaves it out.
    order_path: Mapped[str] = mapped_column(
        ORDER_PATH_TYPE, default="", server_default="", deferred=True
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[TaskStatus] = mapped_column(
        TaskStatusType, default=TaskStatus.PENDING, server_default=TaskStatus.PENDING.value
    )
    priority: Mapped[Priority] = mapped_column(
        PriorityType, default=Priority.MEDIUM, server_default=str(int(Priority.MEDIUM))
    )
    due_date: Mapped[date | None] = mapped_column(Date)
    due_time: Mapped[time | None] = mapped_column(Time)
    recurrence: Mapped[str | None] = mapped_column(String(500))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The occurrence of a recurring task whose completion created this one. Unique, so two
    # completions racing (a double click, two tabs) cannot create two next occurrences.
    recurs_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL"), unique=True
    )
    # Who the task is for (a member of its list who may edit it), who made it and who
    # completed it. A deleted account leaves its tasks in others' lists, without a name.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A reminder this many minutes before the due moment (None: no reminder), and who set
    # it: the reminder goes to the assignee, or to them when there is none. When it fires
    # is kept in `reminders` (todo_web.reminders), so the worker's writes leave tasks alone.
    remind_minutes: Mapped[int | None] = mapped_column(SmallInteger)
    reminder_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The key of the create form that made the task, if it sent one: the same form
    # submitted again (a retry after a time-out) finds this task instead of making another.
    idempotency_key: Mapped[str | None] = mapped_column(String(KEY_MAX), deferred=True)

    user: Mapped[User] = relationship(back_populates="tasks", foreign_keys=[user_id])
    tags: Mapped[list[Tag]] = relationship(
        secondary=task_tags, back_populates="tasks", order_by="Tag.name"
    )

    @validates("status")
    def _status_as_enum(self, key: str, value: TaskStatus | str) -> TaskStatus:
        return TaskStatus(value)

    @property
    def is_completed(self) -> bool:
        return self.status == TaskStatus.COMPLETED


class TaskCountChange(Base):
    """A change to task_counts or to a list's open count and version, noted by the
    PostgreSQL triggers on tasks and list_members and applied (then deleted) when its
    transaction commits, in one lock order (see migration b8e1d5c3a207). Only the
    triggers write and read it; it stays empty on SQLite, whose triggers apply changes
    at once."""

    __tablename__ = "task_count_changes"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    tx_id: Mapped[int] = mapped_column(BigInteger, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(20))
    due_date: Mapped[date | None] = mapped_column(Date)
    delta: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    list_id: Mapped[int | None] = mapped_column(Integer)
    open_delta: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class TaskCount(Base):
    """How many live (not deleted) tasks a user has per status and due date.

    Kept up to date by database triggers on tasks (see the migration that creates this
    table), whatever writes the tasks: a view, a bulk action, the purge, a script. The
    sidebar counts and the default list's total add up these rows, so they cost as much
    as a user has distinct due dates, not as many tasks as the user has.
    """

    __tablename__ = "task_counts"
    __table_args__ = (
        Index(
            "uq_task_counts_user_id_status_due_date",
            "user_id",
            "status",
            "due_date",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[TaskStatus] = mapped_column(TaskStatusType)
    due_date: Mapped[date | None] = mapped_column(Date)
    n: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Tag(Base):
    __tablename__ = "tags"
    __table_args__ = (
        CheckConstraint(
            f"length(name) >= 1 AND length(name) <= {TAG_NAME_MAX}", name="name_length"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by uq_tags_user_id_lower_name below, which starts with user_id.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(TAG_NAME_MAX))

    user: Mapped[User] = relationship(back_populates="tags")
    tasks: Mapped[list[Task]] = relationship(secondary=task_tags, back_populates="tags")


# One tag per name per user, whatever the case it was typed in, as the database's lower()
# folds it (SQLite's folds ASCII letters only). tasks/tags.py resolve_tags has the database
# fold typed names the same way, so a new tag never collides with this index.
Index("uq_tags_user_id_lower_name", Tag.user_id, func.lower(Tag.name), unique=True)


class LoginSession(Base):
    """One logged-in browser. The session cookie (and a remember-me cookie) name it; logout
    revokes it, so a copied cookie is worthless afterwards. Idle and absolute lifetimes are
    checked against it on every request."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(200), default="", server_default="")


class QueuedMixin:
    """The delivery columns shared by the two queues, mail (`Outbox`) and push
    (`PushMessage`); todo_web.queue claims, leases, retries and settles their rows.

    `payload` holds what is sent, ready to go. `dedupe_key`, when set, is unique: the
    database itself refuses a second row for the same thing (a user's digest of one day, a
    reminder of one occurrence), however many workers race to write it.
    """

    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _queue_table_args(table: str) -> tuple[Any, ...]:
    return (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The worker's claim: rows neither sent nor given up on, oldest due first.
        Index(
            f"ix_{table}_due",
            "next_attempt_at",
            "id",
            postgresql_where=text("sent_at IS NULL AND failed_at IS NULL"),
            sqlite_where=text("sent_at IS NULL AND failed_at IS NULL"),
        ),
    )


class Outbox(QueuedMixin, Base):
    """An e-mail waiting to be sent, written in the transaction of the change it announces.

    The mail worker (todo_web.mail.worker) claims due rows, sends them and records the
    outcome: `sent_at` on success; on failure `attempts`, `last_error` and a later
    `next_attempt_at`, until it gives up and sets `failed_at`. `payload` holds the rendered
    mail ({"subject", "text", "html"}), so the worker needs no knowledge of what it sends.
    """

    __tablename__ = "outbox"
    __table_args__ = _queue_table_args("outbox")

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(EMAIL_MAX))
    # The mails of a deleted account go with it; a mail need not belong to a user.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )


class Reminder(Base):
    """When a task's reminder goes out: one row per task that has a reminder and a due date.

    `fire_at` (UTC) is kept in step with the task's due date and time, its reminder, its
    status and its recipient's time zone and reminder hour by todo_web.reminders; it is
    None when there is nothing to send (the task is done, or this occurrence's reminder
    went). The worker finds due rows with one indexed query on `fire_at`. `sent_due_at`
    is the due moment the last reminder was about, so that each occurrence is reminded
    of once, even when the task is reopened or edited after its reminder went.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        Index(
            "ix_reminders_fire_at",
            "fire_at",
            postgresql_where=text("fire_at IS NOT NULL"),
            sqlite_where=text("fire_at IS NOT NULL"),
        ),
    )

    task_id: Mapped[int] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    # Whom it goes to: the assignee, or who set it. Their time zone places a date-only
    # task's reminder hour; a change of either reschedules their reminders (indexed).
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fire_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PushSubscription(Base):
    """One browser that its user asked to notify (the browser's PushSubscription): where
    to post (`endpoint`, a URL of the browser's push service) and the keys to encrypt for.
    The push service answering 404 or 410 means the browser dropped it: the row goes."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(PUSH_ENDPOINT_MAX), unique=True)
    p256dh: Mapped[str] = mapped_column(String(100))
    auth: Mapped[str] = mapped_column(String(40))
    user_agent: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PushMessage(QueuedMixin, Base):
    """A Web Push message waiting to go to one subscription; `payload` is the JSON the
    service worker shows ({"title", "body", "url", "tag"}). Delivered by the push worker
    (todo_web.push.worker) with the same claim, retry and back-off as mail, apart from
    it, so a slow push service never holds mail back."""

    __tablename__ = "push_messages"
    __table_args__ = _queue_table_args("push_messages")

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="CASCADE"), index=True
    )


class JobRun(Base):
    """When a periodic job of the worker (the purge of old rows) last started, shared by
    every worker process: a worker runs the job only when it is the one that moves
    `last_run_at` forward (see todo_web.jobs.claim), so several workers run it once per
    period between them, never at the same time."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
