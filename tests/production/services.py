"""Production's parts on 127.0.0.1, each of the run's own: a PostgreSQL 15 cluster that
takes TLS connections only, PgBouncer in transaction mode in front of it (TLS on both
sides), and a Redis server. Each can be restarted, which is how the faults are made, and
each is gone at the end (the cluster dropped, the processes stopped by their pid).

The shared PostgreSQL on 5432 and Redis on 6379 are never touched.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from ..ports import free_port
from ..processes import stop_group, wait_until

VERSION = "15"
#: Clusters are named prodtier_<pid of the run>, so that a cluster left behind by a run
#: that was killed can be told from one of a run still going.
CLUSTER_PREFIX = "prodtier_"


def missing_tools() -> list[str]:
    """What this machine lacks to run the tier (empty when it has everything)."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root (pg_createcluster and PgBouncer run as the postgres user)")
    for tool in ("pg_createcluster", "pg_ctlcluster", "pg_dropcluster", "pgbouncer"):
        if shutil.which(tool) is None:
            missing.append(tool)
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    if not Path(f"/usr/lib/postgresql/{VERSION}/bin/postgres").exists():
        missing.append(f"PostgreSQL {VERSION} server")
    with contextlib.suppress(KeyError):
        pwd.getpwnam("postgres")
        return missing
    return [*missing, "the postgres user"]


def _postgres_owns(*paths: Path, mode: int = 0o600) -> None:
    account = pwd.getpwnam("postgres")
    for path in paths:
        os.chown(path, account.pw_uid, account.pw_gid)
        path.chmod(mode)


def _run(command: list[str], timeout: float = 120) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if result.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def drop_stale_clusters() -> list[str]:
    """Drop prodtier_<pid> clusters whose run is gone (killed before it could clean up)."""
    dropped = []
    for line in _run(["pg_lsclusters", "--no-header"]).splitlines():
        parts = line.split()
        if len(parts) < 2 or parts[0] != VERSION or not parts[1].startswith(CLUSTER_PREFIX):
            continue
        pid = parts[1].removeprefix(CLUSTER_PREFIX)
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            _run(["pg_dropcluster", "--stop", VERSION, parts[1]])
            dropped.append(parts[1])
    # What pg_dropcluster leaves of such a cluster: its configuration folder.
    for folder in Path(f"/etc/postgresql/{VERSION}").glob(f"{CLUSTER_PREFIX}*"):
        pid = folder.name.removeprefix(CLUSTER_PREFIX)
        data = Path(f"/var/lib/postgresql/{VERSION}/{folder.name}")
        if pid.isdigit() and not Path(f"/proc/{pid}").exists() and not data.exists():
            shutil.rmtree(folder, ignore_errors=True)
    return dropped


# -- PostgreSQL ----------------------------------------------------------------------------


@dataclass
class Credentials:
    user: str
    password: str
    database: str


class PostgresCluster:
    """`pg_createcluster 15 prodtier_<pid>` on a free port: ``ssl = on`` with the run's
    certificate, pg_hba with ``hostssl`` lines only (SCRAM passwords), listening on
    127.0.0.1 only. The superuser's password is set at initdb time, so nothing ever
    connects without TLS."""

    def __init__(self, workdir: Path, cert: Path, key: Path) -> None:
        self.name = f"{CLUSTER_PREFIX}{os.getpid()}"
        self.port = free_port()
        self.dir = workdir / "postgres"
        self.cert, self.key = cert, key
        self.superuser = Credentials("postgres", secrets.token_urlsafe(16), "postgres")
        self.app = Credentials("todo", secrets.token_urlsafe(16), "todo")
        self.created = False

    @property
    def conf_dir(self) -> Path:
        return Path(f"/etc/postgresql/{VERSION}/{self.name}")

    @property
    def log(self) -> Path:
        return Path(f"/var/log/postgresql/postgresql-{VERSION}-{self.name}.log")

    def create(self) -> PostgresCluster:
        self.dir.mkdir()
        cert, key = self.dir / "server.crt", self.dir / "server.key"
        shutil.copyfile(self.cert, cert)
        shutil.copyfile(self.key, key)
        pwfile = self.dir / "superuser-password"
        pwfile.write_text(self.superuser.password + "\n")
        _postgres_owns(cert, key, pwfile)
        _postgres_owns(self.dir, mode=0o700)
        _run(
            [
                "pg_createcluster", VERSION, self.name, "--port", str(self.port),
                "--start-conf", "manual", "--",
                "--auth-local", "scram-sha-256", "--auth-host", "scram-sha-256",
                f"--pwfile={pwfile}",
            ]
        )  # fmt: skip
        self.created = True
        (self.conf_dir / "conf.d" / "prodtier.conf").write_text(
            "\n".join(
                [
                    "listen_addresses = '127.0.0.1'",
                    "ssl = on",
                    f"ssl_cert_file = '{cert}'",
                    f"ssl_key_file = '{key}'",
                    "password_encryption = 'scram-sha-256'",
                    "",
                ]
            )
        )
        # TLS or nothing: no "local" and no "host" lines, so a socket or plain TCP
        # connection is refused whatever its password.
        (self.conf_dir / "pg_hba.conf").write_text(
            "# The production tier: TLS connections only.\n"
            "hostssl all all 127.0.0.1/32 scram-sha-256\n"
        )
        self.ctl("start")
        self.wait_ready()
        self.superuser_sql(
            f"CREATE ROLE todo LOGIN PASSWORD '{self.app.password}'",
            "CREATE DATABASE todo OWNER todo",
        )
        return self

    def superuser_sql(self, *statements: str) -> None:
        """Run statements as the superuser, each in its own transaction."""
        connection = self.connect(self.superuser)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            connection.close()

    def postmaster_pid(self) -> int | None:
        pidfile = Path(f"/var/lib/postgresql/{VERSION}/{self.name}/postmaster.pid")
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int(pidfile.read_text().split()[0])
        return None

    def restart(self) -> subprocess.Popen[bytes]:
        """Start ``pg_ctlcluster 15 <name> restart``; the caller waits for it. (The
        wrapper's own check that the server is up connects over the Unix socket, which
        this cluster's pg_hba refuses, so the command returns some seconds after the
        server is back: the server's return is told by `back_after`.)"""
        return subprocess.Popen(
            ["pg_ctlcluster", "--skip-systemctl-redirect", VERSION, self.name, "restart"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def back_after(self, old_pid: int | None) -> bool:
        """Whether a new postmaster (not `old_pid`) takes TLS connections."""
        pid = self.postmaster_pid()
        if pid is None or pid == old_pid:
            return False
        try:
            self.connect(self.superuser).close()
        except psycopg2.OperationalError:
            return False
        return True

    def ctl(self, action: str) -> None:
        """pg_ctlcluster 15 <name> start|stop|restart (the Debian wrapper waits for it)."""
        _run(["pg_ctlcluster", "--skip-systemctl-redirect", VERSION, self.name, action])

    def connect(self, who: Credentials, **options: object) -> psycopg2.extensions.connection:
        settings: dict[str, object] = {"sslmode": "require", "connect_timeout": 2, **options}
        return psycopg2.connect(
            host="127.0.0.1",
            port=self.port,
            user=who.user,
            password=who.password,
            dbname=who.database,
            **settings,
        )

    def accepts_without_tls(self) -> bool:
        """Whether a plain (non-TLS) connection gets in: it must not."""
        try:
            self.connect(self.superuser, sslmode="disable").close()
        except psycopg2.OperationalError:
            return False
        return True

    def wait_ready(self, timeout: float = 30) -> None:
        def ready() -> bool:
            try:
                self.connect(self.superuser).close()
            except psycopg2.OperationalError:
                return False
            return True

        wait_until(ready, timeout, f"PostgreSQL cluster {self.name} accepting connections")

    def url(self, who: Credentials, database: str | None = None) -> str:
        return (
            f"postgresql://{who.user}:{who.password}@127.0.0.1:{self.port}/"
            f"{database or who.database}?sslmode=require"
        )

    def checkpoint(self) -> None:
        """Write dirty pages out now, so that a restart's shutdown checkpoint is short."""
        self.superuser_sql("CHECKPOINT")

    def drop(self) -> None:
        if self.created:
            _run(["pg_dropcluster", "--stop", VERSION, self.name])
            self.created = False
        # pg_dropcluster leaves the files it did not write (conf.d/prodtier.conf).
        shutil.rmtree(self.conf_dir, ignore_errors=True)


# -- PgBouncer -----------------------------------------------------------------------------

PGBOUNCER_INI = """\
;; The production tier's PgBouncer: what Neon's pooled endpoint is, transaction pooling.
[databases]
todo = host=127.0.0.1 port={pg_port} dbname=todo

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
;; No Unix socket: TCP with TLS only.
unix_socket_dir =
logfile = {dir}/pgbouncer.log
pidfile = {dir}/pgbouncer.pid
auth_type = scram-sha-256
auth_file = {dir}/userlist.txt
;; The app's user may PAUSE and RESUME (the pooler-queue fault).
admin_users = {admin}

pool_mode = transaction
;; Five server connections for every client the two instances and the worker open: the
;; requests queue here, as they do at Neon's pooler.
default_pool_size = 5
max_client_conn = 200
;; How long a query may wait for one of those five server connections (the default is
;; 120 s). While the database restarts, or when every server connection is busy, a
;; request's statement waits here. 10 s is less than gunicorn's 30 s worker timeout, so
;; the waiting request gets an error the app answers as its friendly 503, rather than
;; the worker being killed mid-request with nothing answered; and more than a database
;; restart takes, so requests queued across a restart go through.
query_wait_timeout = 10
;; After a failed login to the server (the database is restarting) try again after 1 s,
;; not the default 15 s, which would hold every queued request that long after the
;; database is back.
server_login_retry = 1

;; TLS from the app to PgBouncer and from PgBouncer to PostgreSQL.
client_tls_sslmode = require
client_tls_cert_file = {dir}/server.crt
client_tls_key_file = {dir}/server.key
server_tls_sslmode = require
"""


class PgBouncer:
    """PgBouncer in the foreground as the postgres user (it refuses to run as root);
    `restart` is SIGTERM (immediate shutdown: every client connection drops, as when
    the pooler's machine restarts it) and a new start on the same port."""

    def __init__(self, workdir: Path, cluster: PostgresCluster, cert: Path, key: Path) -> None:
        self.port = free_port()
        self.dir = workdir / "pgbouncer"
        self.dir.mkdir()
        shutil.copyfile(cert, self.dir / "server.crt")
        shutil.copyfile(key, self.dir / "server.key")
        self.config = self.dir / "pgbouncer.ini"
        self.config.write_text(
            PGBOUNCER_INI.format(
                pg_port=cluster.port, port=self.port, dir=self.dir, admin=cluster.app.user
            )
        )
        app = cluster.app
        (self.dir / "userlist.txt").write_text(f'"{app.user}" "{app.password}"\n')
        _postgres_owns(*self.dir.iterdir())
        _postgres_owns(self.dir, mode=0o700)
        self.credentials = app
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.dir / "pgbouncer.log"

    def start(self, timeout: float = 20) -> None:
        self.process = subprocess.Popen(
            ["pgbouncer", str(self.config)],
            user="postgres",
            group="postgres",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(
            lambda: _answers(self.port) or self.process.poll() is not None,  # type: ignore[union-attr]
            timeout,
            "PgBouncer listening",
        )
        if self.process.poll() is not None:
            raise RuntimeError(f"PgBouncer did not start:\n{self._log_tail()}")

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process, None, timeout=20)

    def restart(self) -> None:
        self.stop()
        self.start()

    def admin(self, command: str) -> None:
        """Run `command` (PAUSE, RESUME) on PgBouncer's admin console."""
        who = self.credentials
        connection = psycopg2.connect(
            host="127.0.0.1",
            port=self.port,
            user=who.user,
            password=who.password,
            dbname="pgbouncer",
            sslmode="require",
            connect_timeout=5,
        )
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(command)
        finally:
            connection.close()

    def url(self) -> str:
        who = self.credentials
        return (
            f"postgresql://{who.user}:{who.password}@127.0.0.1:{self.port}/{who.database}"
            "?sslmode=require"
        )

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_text(errors="replace")[-3000:]
        return ""


# -- Redis ---------------------------------------------------------------------------------


class Redis:
    """redis-server on a free port, keeping nothing on disk; stopped by its pid."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.log = workdir / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--logfile", str(self.log),
                "--dir", str(self.log.parent),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        wait_until(self.ping, timeout, "Redis answering PING")

    def _ask(self, command: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(command + b"\r\n")
            return sock.recv(64)

    def ping(self) -> bool:
        try:
            return self._ask(b"PING").startswith(b"+PONG")
        except OSError:
            return False

    def keys(self) -> int:
        """How many keys it holds (the rate limiter's counters)."""
        return int(self._ask(b"DBSIZE").strip().lstrip(b":"))

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process, None, timeout=20)
