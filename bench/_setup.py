"""Shared helpers for the benchmarks: a throwaway environment, phantom data and servers.

Nothing here touches the developer's ``var/``: every benchmark runs against a temporary
directory holding its own SQLite database, media root and UID key, removed at the end (also
on Ctrl-C or SIGTERM). Servers are started with ``subprocess.Popen`` so that ``proc.pid`` is
the server itself, and are always terminated.

Speed is measured here, never in timed tests (handbook: "Speed is measured in benchmarks,
under bench/, printing figures and ratios against a peer in the same run").
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

VENV_BIN = REPO / ".venv" / "bin"
ORTHANC_PLUGIN = Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so")
ORTHANC_PACKAGES = "orthanc orthanc-dicomweb"


def _raise_interrupt(signum, frame):  # noqa: ARG001
    raise KeyboardInterrupt(f"signal {signum}")


def install_signal_handlers() -> None:
    """Turn SIGINT/SIGTERM into KeyboardInterrupt so ``finally`` blocks clean up children and
    temp dirs (SIGINT too: a shell may start a background job with SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_interrupt)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def temp_dir(prefix: str = "readerstudy-bench-") -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@dataclass
class BenchEnv:
    """A configured, migrated Django in a temporary directory."""

    root: Path
    database: Path
    template_database: Path

    def fresh_database(self) -> None:
        """Replace the database by the just-migrated copy and empty the media root."""
        from django.conf import settings
        from django.db import connections

        connections.close_all()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.database}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template_database, self.database)
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@contextlib.contextmanager
def django_env() -> Iterator[BenchEnv]:
    """Configure ``os.environ`` for an isolated project, ``django.setup()`` and migrate.

    Django can be set up once per process, so use this once per benchmark run.
    """
    with temp_dir() as root:
        var = root / "var"
        (var / "staticfiles").mkdir(parents=True)  # WhiteNoise warns when STATIC_ROOT is missing
        database = root / "bench.sqlite3"
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "readerstudy.settings",
                "READERSTUDY_VAR_DIR": str(var),
                "READERSTUDY_MEDIA_ROOT": str(root / "media"),
                "READERSTUDY_UID_KEY": secrets.token_urlsafe(48),
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
                "DATABASE_URL": f"sqlite:///{database}",
                "READERSTUDY_TASKS_BACKEND": "immediate",
                "READERSTUDY_DEBUG": "0",
            }
        )
        import django
        from django.core.management import call_command

        django.setup()
        # The ingest logs one INFO line per case; keep the benchmark output to its figures.
        import logging

        logging.getLogger("readerstudy").setLevel(logging.WARNING)
        call_command("migrate", verbosity=0, interactive=False)
        from django.db import connections

        connections.close_all()
        template = root / "migrated.sqlite3"
        shutil.copyfile(database, template)
        try:
            yield BenchEnv(root=root, database=database, template_database=template)
        finally:
            connections.close_all()


def generate_phantom(n: int, seed: int, out_dir: Path) -> list:
    """Generate ``n`` phantom studies once; returns ``PhantomStudy`` objects."""
    from fixtures.phantom import generate_studies

    start = time.perf_counter()
    studies = generate_studies(n=n, seed=seed, out_dir=out_dir, workers=min(2, max(n, 1)))
    files = sum(1 for s in studies for _ in s.dicom_dir.rglob("*.dcm"))
    print(
        f"phantom: {len(studies)} studies, {files} files, seed {seed} "
        f"({time.perf_counter() - start:.1f} s to generate)"
    )
    return studies


def phantom_files(studies: list) -> list[Path]:
    return sorted(path for s in studies for path in s.dicom_dir.rglob("*.dcm"))


def _wait_http(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"{proc.args[0]} exited with {proc.returncode} before it was ready:\n" + tail(log)
            )
        try:
            requests.get(url, timeout=1)
            return  # any HTTP answer (even 401) means it is serving
        except requests.ConnectionError:
            time.sleep(0.1)
        except requests.Timeout:
            pass
    raise RuntimeError(f"{url} did not answer within {timeout} s:\n" + tail(log))


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM the process (it is the server itself, not a shell), then SIGKILL if needed."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


SERVERS = ("granian", "gunicorn")


@contextlib.contextmanager
def serve(root: Path, server: str = "granian") -> Iterator[str]:
    """Serve the project (environment from :func:`django_env`); yields the base URL.

    ``granian`` is launched as ``make demo`` launches it (4 processes x 1 Python thread, the
    single-threaded Rust runtime); ``gunicorn`` as the scale-out default (2 workers x 4
    threads). ``BENCH_WORKERS`` / ``BENCH_THREADS`` override either to try other layouts.
    """
    workers = int(os.environ.get("BENCH_WORKERS", 4 if server == "granian" else 2))
    threads = int(os.environ.get("BENCH_THREADS", 1 if server == "granian" else 4))
    port = free_port()
    if server == "granian":
        command = [
            str(VENV_BIN / "granian"),
            "--interface",
            "wsgi",
            "readerstudy.wsgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--runtime-mode",
            "st",
            "--no-ws",
            "--workers-kill-timeout",
            "3",
        ]
    else:
        command = [
            str(VENV_BIN / "gunicorn"),
            "readerstudy.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ]
    log = root / f"{server}-{port}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            command, cwd=REPO, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}/dicomweb/studies", proc, 30, log)
        yield base
    finally:
        stop(proc)


def orthanc_available() -> str | None:
    """None if Orthanc and its DICOMweb plugin are installed, else why not."""
    if shutil.which("Orthanc") is None:
        return f"the Orthanc binary is not installed (apt-get install {ORTHANC_PACKAGES})"
    if not ORTHANC_PLUGIN.exists():
        return f"{ORTHANC_PLUGIN} is missing (apt-get install orthanc-dicomweb)"
    return None


@contextlib.contextmanager
def orthanc(root: Path) -> Iterator[str]:
    """Start Orthanc with a private config in ``root``; yields its base URL."""
    import requests

    http_port, dicom_port = free_port(), free_port()
    while dicom_port == http_port:
        dicom_port = free_port()
    folder = root / f"orthanc-{http_port}"
    config_dir = folder / "config"
    config_dir.mkdir(parents=True)
    (folder / "storage").mkdir()
    (folder / "index").mkdir()
    config = {
        "Name": "bench",
        "HttpPort": http_port,
        "DicomPort": dicom_port,
        "DicomAet": "BENCH",
        "StorageDirectory": str(folder / "storage"),
        "IndexDirectory": str(folder / "index"),
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "Plugins": [str(ORTHANC_PLUGIN)],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
    }
    (config_dir / "orthanc.json").write_text(json.dumps(config, indent=2))
    log = folder / "orthanc.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            ["Orthanc", str(config_dir)], cwd=folder, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{http_port}"
    try:
        _wait_http(f"{base}/system", proc, 30, log)
        yield base
    finally:
        if proc.poll() is None:
            with contextlib.suppress(requests.RequestException):
                requests.post(f"{base}/tools/shutdown", timeout=5)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        stop(proc)
