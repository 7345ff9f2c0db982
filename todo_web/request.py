"""The request class: form fields and query parameters never contain NUL.

A NUL character is never part of anything a person types, PostgreSQL refuses it in text
(the driver raises before the query is sent) and SQLite would store it. Removing it where
werkzeug builds `request.args` and `request.form` covers every route, present and future,
the way the task forms already treated it: "Buy\\x00 milk" is "Buy milk".
"""

from __future__ import annotations

from typing import Any

from flask import Request as FlaskRequest
from werkzeug.datastructures import ImmutableMultiDict


def _without_nul(value: Any) -> Any:
    return value.replace("\x00", "") if isinstance(value, str) else value


class NulFreeMultiDict(ImmutableMultiDict[str, Any]):
    def __init__(self, mapping: Any = None) -> None:
        if isinstance(mapping, list | tuple):  # werkzeug passes (key, value) pairs
            mapping = [(_without_nul(key), _without_nul(value)) for key, value in mapping]
        super().__init__(mapping)


class Request(FlaskRequest):
    parameter_storage_class = NulFreeMultiDict
