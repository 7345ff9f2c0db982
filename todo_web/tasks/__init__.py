"""Tasks: the list, CRUD, bulk actions and quick add."""

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("tasks", __name__)


@bp.get("/tasks")
@login_required
def index() -> str:
    return render_template("base.html")
