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
from functools import cache
from http import HTTPStatus

from django.contrib.auth import get_user_model
from django.db import close_old_connections, connection

from readerstudy.imaging.frames import Reply, error_reply, frame_reply

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


@cache
def _token_sql() -> str:
    from rest_framework.authtoken.models import Token

    return (
        f"SELECT t.user_id FROM {Token._meta.db_table} t "
        f"JOIN {get_user_model()._meta.db_table} u ON u.id = t.user_id "
        "WHERE t.key = %s AND u.is_active"
    )


def token_user_id(key: str) -> int | None:
    """The active user behind a DRF token, in one small query."""
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(), [key])
        row = cursor.fetchone()
    return row[0] if row else None


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
        # Django's handler does this around every request: drop connections that are too old
        # or broken, so a long-lived worker never serves from a dead one.
        close_old_connections()
        try:
            reply = self.reply(authorization[len("Token ") :].strip(), match.groups(), environ)
        finally:
            close_old_connections()
        status = f"{reply.status} {HTTPStatus(reply.status).phrase}"
        headers = {**SECURITY_HEADERS, **reply.headers, "Content-Length": str(len(reply.body))}
        if reply.status == 401:
            headers["WWW-Authenticate"] = "Token"
        start_response(status, list(headers.items()))
        return [reply.body]

    @staticmethod
    def reply(key: str, parts: tuple[str, ...], environ: dict) -> Reply:
        user_id = token_user_id(key)
        if user_id is None:
            return error_reply(401, "Invalid token.")
        study_uid, series_uid, instance_uid, frames = parts
        return frame_reply(
            user_id=user_id,
            study_uid=study_uid,
            series_uid=series_uid,
            instance_uid=instance_uid,
            frames=frames,
            if_none_match=environ.get("HTTP_IF_NONE_MATCH", ""),
            accept=environ.get("HTTP_ACCEPT", "*/*"),
        )
