"""A WSGI fast path for token-authenticated WADO-RS frame requests.

A reader scrolling a stack asks for one frame per image; through Django's full request
handling (middleware, URL resolution, request and response objects) each costs about twice
what finding and reading the frame costs (``bench/dicomweb.py``). This wrapper answers exactly
one kind of request, ``GET /dicomweb/studies/…/series/…/instances/…/frames/N`` with an
``Authorization: Token`` header, from :func:`readerstudy.imaging.frames.frame_reply`, the same
function the Django view uses. Everything else, session-authenticated frames included, goes to
Django unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from http import HTTPStatus

from django.db import close_old_connections

from readerstudy.imaging.frames import Reply, frame_reply

FRAMES_PATH = re.compile(
    r"^/dicomweb/studies/([^/]+)/series/([^/]+)/instances/([^/]+)/frames/([^/]+)$"
)
# What Django's security and clickjacking middleware would have added to the response.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class FramesFastPath:
    """WSGI middleware: token-authenticated frame requests skip Django's request machinery."""

    def __init__(self, app: Callable):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        match = FRAMES_PATH.match(environ.get("PATH_INFO", ""))
        if (
            match is None
            or environ.get("REQUEST_METHOD") != "GET"
            or not authorization.startswith("Token ")
        ):
            return self.app(environ, start_response)
        # Django's handler does this before and after every request: drop connections that
        # are too old or broken, so a long-lived worker never serves from a dead one. Before
        # is enough here: a connection that ages or fails now is dropped by the next request.
        close_old_connections()
        reply = self.reply(authorization[len("Token ") :].strip(), match.groups(), environ)
        status = f"{reply.status} {HTTPStatus(reply.status).phrase}"
        headers = {**SECURITY_HEADERS, **reply.headers, "Content-Length": str(len(reply.body))}
        if reply.status == 401:
            headers["WWW-Authenticate"] = "Token"
        start_response(status, list(headers.items()))
        return [reply.body]

    @staticmethod
    def reply(key: str, parts: tuple[str, ...], environ: dict) -> Reply:
        study_uid, series_uid, instance_uid, frames = parts
        return frame_reply(
            token=key,
            study_uid=study_uid,
            series_uid=series_uid,
            instance_uid=instance_uid,
            frames=frames,
            if_none_match=environ.get("HTTP_IF_NONE_MATCH", ""),
            accept=environ.get("HTTP_ACCEPT", "*/*"),
        )
