"""A minimal HTTP/1.1 load generator: one process and one keep-alive socket per client.

Python HTTP clients cost more CPU per request than a fast server spends answering it
(``http.client`` about 0.35 ms, ``requests`` about 1 ms on this machine), and threads of one
process share one core through the GIL. Both hide the servers' difference behind the
client's own cost. Like ``wrk``, this client prepares each request's bytes once, reads only
the status line and ``Content-Length``, and runs each client in its own process, so the
figures measure the servers. It speaks just enough HTTP for the two servers benchmarked
here: GET, keep-alive, a ``Content-Length`` on every response (chunked replies are refused
as an error rather than misread).
"""

from __future__ import annotations

import multiprocessing
import socket
import time
from dataclasses import dataclass

WARM_UP = 8


@dataclass(frozen=True)
class RawRun:
    seconds: float
    received: int
    client_cpu: float  # CPU seconds of all client processes, summed
    error: str | None


def request_bytes(host: str, port: int, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_response(sock: socket.socket, buffer: bytearray) -> tuple[int, int]:
    """(status, body length) of the next response; ``buffer`` keeps bytes read past it."""
    while (end := buffer.find(b"\r\n\r\n")) < 0:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        buffer += chunk
    head = bytes(buffer[:end]).lower()
    status = int(head[9:12])
    marker = head.find(b"\r\ncontent-length:")
    if marker < 0:
        raise ValueError(f"response without Content-Length: {head[:200]!r}")
    line_end = head.find(b"\r\n", marker + 2)
    length = int(head[marker + 17 : line_end if line_end >= 0 else len(head)])
    total = end + 4 + length
    while len(buffer) < total:
        chunk = sock.recv(max(65536, total - len(buffer)))
        if not chunk:
            raise ConnectionError("the server closed the connection mid-body")
        buffer += chunk
    del buffer[:total]
    return status, length


def _client(host, port, requests, expect, barrier, results) -> None:
    sock = socket.create_connection((host, port), timeout=60)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buffer = bytearray()
    try:
        for request in requests[:WARM_UP]:
            sock.sendall(request)
            read_response(sock, buffer)
        barrier.wait()
        cpu = time.process_time()
        received = 0
        for request in requests:
            sock.sendall(request)
            status, length = read_response(sock, buffer)
            if status != expect:
                raise ValueError(f"status {status} for {request.split(b' ')[1][:120]!r}")
            received += length
        results.put((received, time.process_time() - cpu, None))
    except Exception as exc:  # reported by the parent, which decides the run failed
        barrier.abort()
        results.put((0, 0.0, f"{type(exc).__name__}: {exc}"))
    finally:
        sock.close()


def run(host: str, port: int, per_client: list[list[bytes]], expect: int) -> RawRun:
    """Start one process per request list, release them together, wait for all."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(per_client) + 1)
    results = context.Queue()
    processes = [
        context.Process(target=_client, args=(host, port, requests, expect, barrier, results))
        for requests in per_client
    ]
    for process in processes:
        process.start()
    try:
        barrier.wait(timeout=120)
    except Exception:  # a client failed while warming up; its error is in the queue
        pass
    start = time.perf_counter()
    outcomes = [results.get(timeout=600) for _ in processes]
    seconds = time.perf_counter() - start
    for process in processes:
        process.join()
    errors = [error for _, _, error in outcomes if error]
    return RawRun(
        seconds,
        sum(received for received, _, _ in outcomes),
        sum(cpu for _, cpu, _ in outcomes),
        errors[0] if errors else None,
    )
