"""Load with faults: many users creating, editing and toggling tasks through a real HTTP
server while the database or the mail server goes away, then a check that every write
the app acknowledged is in the database and every mail arrived.

`client` is the HTTP side (one keep-alive connection per simulated user), `ledger` what
each user was told and the check against the database, `run` the long run with gunicorn,
a PostgreSQL restart and an SMTP outage (``python -m tests.loadfault.run``), and
tests/test_load_smoke.py the short variant in the normal test run.
"""
