"""The benchmark is run by hand (run.sh), never collected by pytest: it needs a seeded
database of a million tasks, wrk, and minutes of load."""

collect_ignore_glob = ["*.py"]
