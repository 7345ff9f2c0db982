"""PostgreSQL transactions without round trips of their own.

Left to psycopg2, a request's transaction costs three round trips before its first row:
the pool's ping (``SELECT 1``), ``BEGIN``, then the statement; and a ``ROLLBACK`` at the
end even when nothing was read. To a database across the network (Neon: about a
millisecond each way) that is most of a page view. Here, on the app's engine:

- psycopg2 runs in autocommit mode, so it never sends ``BEGIN`` itself; the transaction's
  first statement carries ``BEGIN`` and the time limits (`Timeouts`) in the same query
  message, which PostgreSQL runs in order and answers once.
- ``COMMIT`` and ``ROLLBACK`` are sent only when the server has a transaction open
  (libpq knows without asking), so a request that never reached the database sends none.
- There is no ping at checkout. A pooled connection that died while idle (the server
  restarted, the pooler or a NAT dropped it; `pool_recycle` retires old ones) fails on
  the first statement of its transaction; nothing has happened in that transaction yet,
  so the statement is sent again once on a new connection. A failure later in a
  transaction is not retried: what came before it is lost, and the request answers 503.

Engines for migrations and the seed command keep psycopg2's own transactions.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg2
from psycopg2 import extensions
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine.interfaces import ExecuteStyle

from . import deadline

logger = logging.getLogger("todo_web.db")

#: Set by the "begin" event; the transaction's first statement takes it and begins.
_BEGIN_PENDING = "todo_web.begin_pending"


def begin_with_first_statement(engine: Engine, set_limits_sql: str = "") -> None:
    """Make `engine`'s transactions begin with their first statement (see the module)."""
    begin = f"BEGIN; {set_limits_sql}; " if set_limits_sql else "BEGIN; "
    dialect = engine.dialect

    @event.listens_for(engine, "connect")
    def no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.autocommit = True

    @event.listens_for(engine, "begin")
    def begin_pending(connection: Connection) -> None:
        connection.info[_BEGIN_PENDING] = True

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def send_begin_first(
        connection: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> tuple[str, Any]:
        named = bool(getattr(cursor, "name", None))
        if named:
            # psycopg2 refuses a server-side cursor in autocommit mode unless it is
            # declared WITH HOLD; inside the transaction begun here, that is harmless.
            cursor.withhold = True
        if not connection.info.pop(_BEGIN_PENDING, False):
            return statement, parameters
        if executemany or named:
            # A server-side cursor declares one statement, an executemany repeats it:
            # the transaction begins in a message of its own.
            with cursor.connection.cursor() as own:
                own.execute(begin)
            return statement, parameters
        return begin + statement, parameters

    @event.listens_for(engine, "do_execute")
    def retry_on_a_new_connection(
        cursor: Any, statement: str, parameters: Any, context: Any
    ) -> bool:
        return _execute(dialect, begin, cursor, statement, parameters, context)

    @event.listens_for(engine, "do_execute_no_params")
    def retry_without_parameters(cursor: Any, statement: str, context: Any) -> bool:
        return _execute(dialect, begin, cursor, statement, None, context)

    def end_transaction(fairy: Any, command: str) -> None:
        dbapi_connection = getattr(fairy, "dbapi_connection", fairy)
        if not dbapi_connection.autocommit:
            # Before the connect event (SQLAlchemy's first look at the server):
            # psycopg2 began this transaction and ends it.
            getattr(dbapi_connection, command.lower())()
            return
        status = dbapi_connection.info.transaction_status
        if status == extensions.TRANSACTION_STATUS_IDLE:
            return  # nothing was begun, or it already ended
        with dbapi_connection.cursor() as cursor:
            cursor.execute(command)
            if command == "COMMIT" and cursor.statusmessage == "ROLLBACK":
                # The server ends a failed transaction's COMMIT with a rollback.
                raise psycopg2.errors.InFailedSqlTransaction(
                    "the transaction had failed and was rolled back, not committed"
                )

    dialect.do_commit = lambda fairy: end_transaction(fairy, "COMMIT")  # type: ignore[method-assign]
    dialect.do_rollback = lambda fairy: end_transaction(fairy, "ROLLBACK")  # type: ignore[method-assign]


def _execute(
    dialect: Any, begin: str, cursor: Any, statement: str, parameters: Any, context: Any
) -> bool:
    """Run the statement; if it began its transaction and found the connection dead, run
    it again on a new one. True: handled here (SQLAlchemy's dialect events contract)."""
    try:
        _send(cursor, statement, parameters)
    except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
        first = statement.startswith(begin) and context.execute_style is ExecuteStyle.EXECUTE
        if not first or not dialect.is_disconnect(error, cursor.connection, cursor):
            raise
        logger.info("a pooled database connection was gone (%s); connecting again", error)
        fairy = context.root_connection.connection
        record = fairy._connection_record
        record.invalidate(error)
        fairy.dbapi_connection = record.get_connection()
        context.cursor = fairy.dbapi_connection.cursor()
        deadline.watch_connection(fairy.dbapi_connection)
        _send(context.cursor, statement, parameters)
    return True


def _send(cursor: Any, statement: str, parameters: Any) -> None:
    if parameters is None:
        cursor.execute(statement)
    else:
        cursor.execute(statement, parameters)
