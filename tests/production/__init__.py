"""The production tier: todo-web on 127.0.0.1 as production runs it (PostgreSQL with TLS
behind PgBouncer in transaction mode, Redis, two gunicorn instances and the worker from
the Procfile), the main flows through both instances, then faults under load.

`services` starts and restarts production's parts, `forms` reads and submits the app's
forms, `flows` the main flows, `faults` the faults and their figures, and `run` the whole
(``python -m tests.production.run``); see README.md here.
"""
