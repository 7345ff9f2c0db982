"""A TCP forwarder on 127.0.0.1 that a test can cut and restore: a database outage without
touching the shared PostgreSQL server.

`cut()` closes the listening socket and every forwarded connection (like a server that
went down: new connections are refused, open ones die); `restore()` listens again on the
same port. Every thread is a daemon and every socket has a time-out, so a test that fails
half-way leaves nothing running for long.

`PgWire` reads the PostgreSQL protocol the client sends, to count round trips at the wire
(every query message, ``BEGIN`` and ``ROLLBACK`` included, which SQLAlchemy's events never
see); `TcpProxy(delay_seconds=...)` holds every chunk that long in each direction, a
database some way off over the network: each chunk is due that long after it arrived, so
chunks that follow one another close behind are held once, not once each (a wire's
latency, not a narrow one's bandwidth).
"""

from __future__ import annotations

import contextlib
import queue
import socket
import struct
import threading
import time

from .ports import free_port

#: Startup-phase requests that carry no message type: SSL, GSS encryption, cancel.
_UNTYPED_REQUESTS = {80877103, 80877104, 80877102}


class PgWire:
    """The query messages clients send through one proxy, as the server gets them.

    Each simple-protocol query ("Q", one round trip however many statements it holds) and
    each extended-protocol Sync ("S", the end of one round trip) is recorded in `queries`
    as its text (or ``"<sync>"``). The client must not encrypt (``sslmode=disable``).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.queries: list[str] = []

    def reset(self) -> None:
        with self._lock:
            self.queries.clear()

    def taken(self) -> list[str]:
        """The queries since the last call (or `reset`), forgetting them."""
        with self._lock:
            queries, self.queries = self.queries, []
        return queries

    def reader(self) -> _ClientStream:
        return _ClientStream(self)

    def _record(self, query: str) -> None:
        with self._lock:
            self.queries.append(query)


class _ClientStream:
    """Splits one client connection's bytes into protocol messages."""

    def __init__(self, wire: PgWire) -> None:
        self.wire = wire
        self.buffer = b""
        self.started = False

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if not self.started:
                if len(self.buffer) < 8:
                    return
                (length,) = struct.unpack("!I", self.buffer[:4])
                if len(self.buffer) < length:
                    return
                (code,) = struct.unpack("!I", self.buffer[4:8])
                self.buffer = self.buffer[length:]
                self.started = code not in _UNTYPED_REQUESTS
                continue
            if len(self.buffer) < 5:
                return
            kind = self.buffer[:1]
            (length,) = struct.unpack("!I", self.buffer[1:5])
            if len(self.buffer) < 1 + length:
                return
            body, self.buffer = self.buffer[5 : 1 + length], self.buffer[1 + length :]
            if kind == b"Q":
                self.wire._record(body.rstrip(b"\0").decode("utf-8", "replace"))
            elif kind == b"S":
                self.wire._record("<sync>")


class TcpProxy:
    def __init__(
        self,
        target_host: str,
        target_port: int,
        *,
        wire: PgWire | None = None,
        delay_seconds: float = 0.0,
    ) -> None:
        self.target = (target_host, target_port)
        self.wire = wire
        self.delay_seconds = delay_seconds
        self.port = free_port()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._flowing = threading.Event()
        self._flowing.set()

    def __enter__(self) -> TcpProxy:
        self.restore()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cut()

    def restore(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.2)
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, set()
        if listener is not None:
            listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def hold(self) -> None:
        """Keep accepting connections and bytes but forward nothing, like a pooler that
        queues its clients while the database restarts."""
        self._flowing.clear()

    def release(self) -> None:
        """Forward again, what was held first."""
        self._flowing.set()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            with self._lock:
                if self._listener is not listener:
                    return
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._sockets |= {client, upstream}
            reader = self.wire.reader() if self.wire is not None else None
            for source, sink, observe in ((client, upstream, reader), (upstream, client, None)):
                threading.Thread(
                    target=self._pump, args=(source, sink, observe), daemon=True
                ).start()

    def _pump(
        self, source: socket.socket, sink: socket.socket, observe: _ClientStream | None
    ) -> None:
        source.settimeout(None)
        # Delayed: a second thread sends each chunk when it is due, while this one reads on.
        outbox: queue.SimpleQueue[tuple[float, bytes | None]] | None = None
        if self.delay_seconds:
            outbox = queue.SimpleQueue()
            threading.Thread(target=self._deliver, args=(outbox, source, sink), daemon=True).start()
        try:
            while data := source.recv(65536):
                self._flowing.wait()
                if observe is not None:
                    observe.feed(data)
                if outbox is None:
                    sink.sendall(data)
                else:
                    outbox.put((time.monotonic() + self.delay_seconds, data))
        except OSError:
            pass
        finally:
            if outbox is None:
                self._close(source, sink)
            else:  # closed once what was read has been sent
                outbox.put((0.0, None))

    def _deliver(
        self,
        outbox: queue.SimpleQueue[tuple[float, bytes | None]],
        source: socket.socket,
        sink: socket.socket,
    ) -> None:
        try:
            while (item := outbox.get())[1] is not None:
                due, data = item
                if (wait := due - time.monotonic()) > 0:
                    time.sleep(wait)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source, sink)

    def _close(self, source: socket.socket, sink: socket.socket) -> None:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with self._lock:
            self._sockets.discard(source)
        source.close()  # each socket is the source of exactly one pump
