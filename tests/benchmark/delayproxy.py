"""A forwarder to PostgreSQL that holds every chunk `--delay-ms` in each direction (a
database some way off over the network, like Neon in the same region: 1 ms each way) and
counts the query messages clients send (each one round trip), writing the running count to
`--count-file` every 0.2 s. Run by run.py in a process of its own (its CPU is not the
app's); stops on SIGTERM.

    python -m tests.benchmark.delayproxy --port 6544 --target 127.0.0.1:5432 --delay-ms 1
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from tests.tcpproxy import PgWire, TcpProxy


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
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    counted = 0
    with proxy:
        while not stop.wait(0.2):
            counted += len(wire.taken())
            args.count_file.write_text(str(counted))
    args.count_file.write_text(str(counted + len(wire.taken())))


if __name__ == "__main__":
    main()
