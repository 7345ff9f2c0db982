"""Tasks: the list, CRUD, bulk actions and quick add."""

from . import display  # noqa: F401  (registers the template filters on the blueprint)
from .views import bp

__all__ = ["bp"]
