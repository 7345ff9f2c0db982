"""`/settings`: profile, time zone, notifications, password, deleting the account."""

from .views import bp

__all__ = ["bp"]
