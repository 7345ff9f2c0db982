"""Tasks: the list, CRUD, bulk actions and quick add."""

from . import display, people, quick  # noqa: F401  (register filters and routes on the blueprint)
from .views import bp

__all__ = ["bp"]
