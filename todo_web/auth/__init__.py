"""Accounts: register, log in, log out, password reset, and the Flask-Login wiring."""

from . import reset_views, unlock_views  # noqa: F401  (add the /auth/reset and /auth/unlock routes to bp)
from .views import bp, init_login_manager

__all__ = ["bp", "init_login_manager"]
