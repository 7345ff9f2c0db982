"""Accounts: register, log in, log out, and the Flask-Login wiring."""

from .views import bp, init_login_manager

__all__ = ["bp", "init_login_manager"]
