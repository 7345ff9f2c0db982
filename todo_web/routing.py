"""URL converters.

`<int:...>` in this app's routes means a database id: ASCII digits, at most the largest
integer id column value. A larger number is no route at all (404, like any missing task)
instead of reaching the driver, which cannot bind it (SQLite takes at most 2**63 - 1) or
compares it needlessly; other digit characters ("١٢") do not alias ASCII ids.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

#: The largest value of an INTEGER primary key on PostgreSQL (and of the ids it issues).
MAX_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    regex = r"[0-9]+"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
