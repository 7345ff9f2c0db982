"""A forwarder to PostgreSQL that holds every chunk `--delay-ms` in each direction (a
database some way off over the network, like Neon in the same region: 1 ms each way) and
counts the query messages clients send (each one round trip). Run by run.py in a process
of its own (its CPU is not the app's); stops on SIGTERM.

The running count goes to `--count-file` as one line, ``<writes> <query messages>``, every
0.2 s and at once on SIGUSR1; each write replaces the file whole (a reader never sees it
half written) and numbers itself, so that a reader can wait for a count taken after it
asked (run.py's `RoundTrips`).

    python -m tests.benchmark.delayproxy --port 6544 --target 127.0.0.1:5432 --delay-ms 1 \
        --count-file /tmp/round-trips.txt
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from pathlib import Path

from tests.tcpproxy import PgWire, TcpProxy


def write_count(path: Path, writes: int, counted: int) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(f"{writes} {counted}\n")
    os.replace(partial, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--target", default="127.0.0.1:5432")
    parser.add_argument("--delay-ms", type=float, default=1.0)
    parser.add_argument("--count-file", type=Path, required=True)
    args = parser.parse_args()
    host, port = args.target.rsplit(":", 1)
    wire = PgWire()
    proxy = TcpProxy(host, int(port), wire=wire, delay_seconds=args.delay_ms / 1000)
    proxy.port = args.port
    # The handlers only wake the loop: the count is taken outside them (PgWire's lock is
    # not reentrant, and a handler may run while the loop holds it).
    wake = threading.Event()
    stopping = threading.Event()

    def stop(*_: object) -> None:
        stopping.set()
        wake.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGUSR1, lambda *_: wake.set())
    counted = writes = 0
    with proxy:
        while not stopping.is_set():
            wake.wait(0.2)
            wake.clear()
            counted += len(wire.taken())
            writes += 1
            write_count(args.count_file, writes, counted)


if __name__ == "__main__":
    main()
