"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi run`."""

from todo_web import create_app

app = create_app()
