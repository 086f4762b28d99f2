"""WADO-RS frames as plain (status, headers, body) replies, for the Django view and the fast path.

Serving a frame is the hottest request a reading room makes (one per image while a reader
scrolls), so the rule lives here once, free of request objects: who may see the instance
(:func:`visible_frame_source`), which frames, the strong ETag and 304, the accepted media
type, and the multipart body. :mod:`readerstudy.imaging.dicomweb` wraps it in a Django view;
:mod:`readerstudy.imaging.fastpath` answers token-authenticated frame requests with it before
Django's request machinery, which costs more than the frame itself.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings

from readerstudy.imaging.selectors import token_user_id, visible_frame_source

logger = logging.getLogger("readerstudy.imaging")

EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
PIXEL_CACHE = "private, max-age=31536000, immutable"
NO_STORE = "private, no-store"


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def error_reply(status: int, message: str) -> Reply:
    """The API's one error shape, never cached."""
    body = json.dumps({"error": {"code": str(status), "message": message, "fields": {}}})
    return Reply(
        status, body.encode(), {"Content-Type": "application/json", "Cache-Control": NO_STORE}
    )


def frame_numbers(text: str, limit: int) -> list[int] | None:
    """1-based frame numbers from ``1`` or ``1,3,5``; None if any is malformed or out of range."""
    try:
        numbers = [int(part) for part in text.split(",")]
    except ValueError:
        return None
    if not numbers or any(not 1 <= n <= limit for n in numbers):
        return None
    return numbers


@lru_cache(maxsize=64)  # a viewer sends the same Accept header with every frame
def accepts_native_frames(accept: str) -> bool:
    """We store frames uncompressed; refuse a client that wants only a compressed syntax."""
    for option in (accept or "*/*").split(","):
        option = option.strip().lower()
        if option.startswith(("*/*", "multipart/*", "application/octet-stream")):
            return True
        if option.startswith("multipart/related"):
            params = dict(
                part.strip().split("=", 1) for part in option.split(";")[1:] if "=" in part
            )
            media = params.get("type", '"application/octet-stream"').strip('"')
            syntax = params.get("transfer-syntax", "*").strip('"')
            if media in ("application/octet-stream", "*/*") and syntax in (
                "*",
                EXPLICIT_VR_LITTLE_ENDIAN,
            ):
                return True
    return False


def multipart_reply(parts: list[bytes], part_type: str, boundary: str) -> Reply:
    head = f"--{boundary}\r\nContent-Type: {part_type}\r\n\r\n".encode()
    chunks = []
    for body in parts:
        chunks += [head, body, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    main_type = part_type.split(";")[0]
    content_type = f'multipart/related; type="{main_type}"; boundary={boundary}'
    return Reply(200, b"".join(chunks), {"Content-Type": content_type})


def frame_reply(
    *,
    study_uid: str,
    series_uid: str,
    instance_uid: str,
    frames: str,
    if_none_match: str = "",
    accept: str = "*/*",
    user_id: int | None = None,
    token: str | None = None,
) -> Reply:
    """The full answer to a frames request by ``user_id`` or by the holder of ``token``.

    A token that names no active user gets 401; the lookup that checks it runs only when the
    frame is not served, so a served frame costs one query.
    """
    source = visible_frame_source(
        user_id=user_id,
        token=token,
        study_uid=study_uid,
        series_uid=series_uid,
        instance_uid=instance_uid,
    )
    if source is None and token is not None and token_user_id(token) is None:
        return error_reply(401, "Invalid token.")
    numbers = frame_numbers(frames, source.number_of_frames) if source else None
    if numbers is None:  # unseen and out-of-range look alike: existence never leaks
        return error_reply(404, "Not found.")
    etag = f'"{source.sha256[:40]}-{frames}"'
    if etag in [tag.strip() for tag in if_none_match.split(",")]:
        return Reply(304, b"", {"ETag": etag, "Cache-Control": PIXEL_CACHE})
    if not accepts_native_frames(accept):
        return error_reply(
            406,
            "Frames are available as application/octet-stream, "
            f"transfer syntax {EXPLICIT_VR_LITTLE_ENDIAN}.",
        )
    bodies = []
    descriptor = os.open(os.path.join(settings.BLINDED_STORE, source.path), os.O_RDONLY)
    try:
        for number in numbers:
            offset = source.pixel_data_offset + (number - 1) * source.frame_length
            body = os.pread(descriptor, source.frame_length, offset)
            if len(body) != source.frame_length:
                # A damaged store must never be cached as a valid frame.
                logger.error("short read of frame %s of %s", number, source.path)
                return error_reply(
                    500, "The stored instance is damaged; the administrator has been told."
                )
            bodies.append(body)
    finally:
        os.close(descriptor)
    # The instance's own digest cannot occur inside its pixel data, so it is a safe boundary,
    # and a stable one: the same request always gets the same bytes.
    reply = multipart_reply(
        bodies,
        f"application/octet-stream; transfer-syntax={EXPLICIT_VR_LITTLE_ENDIAN}",
        boundary=source.sha256[:40],
    )
    reply.headers.update({"ETag": etag, "Cache-Control": PIXEL_CACHE})
    return reply
