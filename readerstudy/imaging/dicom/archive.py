"""Enumerate candidate DICOM files from directories, plain files and zips.

Zips are read member by member in memory and never extracted, so path
traversal cannot write anywhere; every archive is checked completely (names,
symlinks, encryption, declared and actual sizes, CRCs) before its first
member is yielded, so a bad archive imports nothing (ASVS 5.2.1-5.2.3,
reliability.md §4). Whether a member is DICOM is validation's business.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from .errors import RejectedFile

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
CHUNK = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


class _Budget:
    """Running totals shared by all sources of one call."""

    def __init__(self, max_total_bytes: int, max_files: int, max_member_bytes: int):
        self.max_total_bytes = max_total_bytes
        self.max_files = max_files
        self.max_member_bytes = max_member_bytes
        self.total_bytes = 0
        self.files = 0

    def check(self, *, extra_bytes: int, extra_files: int, where: str, prefix: str) -> None:
        if self.files + extra_files > self.max_files:
            raise RejectedFile(
                f"{prefix}too_many_files",
                f"{where} would bring the upload to {self.files + extra_files} "
                f"files; at most {self.max_files} are allowed.",
            )
        if self.total_bytes + extra_bytes > self.max_total_bytes:
            raise RejectedFile(
                f"{prefix}too_large",
                f"{where} would bring the upload to {self.total_bytes + extra_bytes} "
                f"bytes; at most {self.max_total_bytes} are allowed.",
            )

    def spend(self, size: int) -> None:
        self.files += 1
        self.total_bytes += size


def iter_dicom_sources(
    paths: list[Path],
    *,
    max_total_bytes: int = 2 * 1024**3,
    max_files: int = 20000,
    max_member_bytes: int = 512 * 1024**2,
) -> Iterator[tuple[str, bytes]]:
    """Yield ``(display_name, data)`` for every candidate file under ``paths``.

    Parameters
    ----------
    paths : list of Path
        Directories (walked recursively in sorted order, skipping hidden
        entries, ``__MACOSX`` and symlinks), zip archives (recognised by
        magic, not extension) and plain files.
    max_total_bytes, max_files, max_member_bytes : int
        Limits for the whole call; a source that would exceed them is
        refused before anything from it is yielded.

    Yields
    ------
    tuple of (str, bytes)
        A display name such as ``"cases.zip:PAT1/IM1.dcm"`` and the bytes.

    Raises
    ------
    RejectedFile
        ``zip_traversal``, ``zip_symlink``, ``zip_encrypted``,
        ``zip_too_large``, ``zip_too_many_files`` or ``bad_zip`` for archives;
        ``too_large`` or ``too_many_files`` for directories and plain files.
        Earlier sources may already have been yielded: callers wanting
        all-or-nothing imports must roll back themselves.
    """
    budget = _Budget(max_total_bytes, max_files, max_member_bytes)
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files = list(_walk(path))
            sizes = [file.stat().st_size for file, _ in files]
            budget.check(
                extra_bytes=sum(sizes),
                extra_files=len(files),
                where=path.name,
                prefix="",
            )
            for (file, name), size in zip(files, sizes, strict=True):
                yield from _source(file, f"{path.name}/{name}", size, budget)
        elif path.is_file():
            size = path.stat().st_size
            budget.check(extra_bytes=size, extra_files=1, where=path.name, prefix="")
            yield from _source(path, path.name, size, budget)
        else:  # missing, or a FIFO or device that would block or never end
            raise FileNotFoundError(f"{path} is not a regular file or directory.")


def _walk(root: Path) -> Iterator[tuple[Path, str]]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        # Pruning in place stops os.walk descending; sorted for determinism.
        dirnames[:] = sorted(
            d for d in dirnames if not _hidden(d) and not os.path.islink(os.path.join(dirpath, d))
        )
        for filename in sorted(filenames):
            full = Path(dirpath, filename)
            if _hidden(filename) or full.is_symlink() or not full.is_file():
                continue
            yield full, full.relative_to(root).as_posix()


def _hidden(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def _source(path: Path, name: str, size: int, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    with open(path, "rb") as handle:
        head = handle.read(132)
    # A DICM marker wins over a PK preamble: such polyglots are imported as
    # DICOM and the re-encoding drops the preamble.
    if head[:4] in ZIP_MAGICS and head[128:132] != b"DICM":
        # An archive is bounded by its members' sizes, not by the file limit.
        yield from _zip_members(path, name, budget)
        return
    if size > budget.max_member_bytes:
        raise RejectedFile(
            "too_large",
            f"{name} is {size} bytes; files may be at most {budget.max_member_bytes} bytes.",
        )
    with open(path, "rb") as handle:
        data = handle.read(budget.max_member_bytes + 1)
    if len(data) > budget.max_member_bytes:  # grew since stat
        raise RejectedFile("too_large", f"{name} exceeds {budget.max_member_bytes} bytes.")
    budget.spend(len(data))
    yield name, data


def _zip_members(path: Path, name: str, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = _checked_members(archive, name, budget)
            # First pass: decompress everything and discard it, so a lying
            # header or bad CRC is found before anything is yielded.
            total = 0
            for info in members:
                total += sum(len(chunk) for chunk in _read_member(archive, info, name, budget))
                budget.check(extra_bytes=total, extra_files=0, where=name, prefix="zip_")
            for info in members:
                data = b"".join(_read_member(archive, info, name, budget))
                budget.spend(len(data))
                yield f"{name}:{info.filename}", data
    except RejectedFile:
        raise
    except Exception as exc:
        # zipfile, zlib and struct raise many types (BadZipFile, zlib.error,
        # EOFError, NotImplementedError for exotic methods...) on bad input.
        raise RejectedFile("bad_zip", f"{name} is not a readable zip archive ({exc}).") from exc


def _checked_members(archive: zipfile.ZipFile, name: str, budget: _Budget) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    budget.check(extra_bytes=0, extra_files=len(infos), where=name, prefix="zip_")
    members = []
    for info in infos:
        member = info.filename
        if _unsafe_name(member):
            raise RejectedFile(
                "zip_traversal",
                f"{name} contains the unsafe member path {member!r}.",
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise RejectedFile("zip_symlink", f"{name} contains the symbolic link {member!r}.")
        if info.flag_bits & 0x1:
            raise RejectedFile("zip_encrypted", f"{name} contains the encrypted member {member!r}.")
        if info.file_size > budget.max_member_bytes:
            raise RejectedFile(
                "zip_too_large",
                f"{name} member {member!r} declares {info.file_size} bytes; "
                f"at most {budget.max_member_bytes} are allowed.",
            )
        parts = PurePosixPath(member).parts
        if info.is_dir() or any(_hidden(part) for part in parts):
            continue
        members.append(info)
    declared = sum(info.file_size for info in members)
    budget.check(extra_bytes=declared, extra_files=len(members), where=name, prefix="zip_")
    return members


def _unsafe_name(member: str) -> bool:
    normalised = member.replace("\\", "/")
    if not normalised or "\x00" in normalised:
        return True
    if normalised.startswith("/") or _DRIVE.match(normalised):
        return True
    return ".." in normalised.split("/")


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, budget: _Budget
) -> Iterator[bytes]:
    # Count what decompression actually produces instead of trusting headers.
    produced = 0
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            produced += len(chunk)
            if produced > budget.max_member_bytes or produced > info.file_size:
                raise RejectedFile(
                    "zip_too_large",
                    f"{name} member {info.filename!r} decompresses beyond its allowed size.",
                )
            yield chunk
