"""Your data in and out: export (JSON, CSV), import (ours and Todoist's CSV), calendar feed."""

from .views import bp

__all__ = ["bp"]
