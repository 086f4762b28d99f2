"""Write blinded instances to disk and read single frames back by seeking.

The serving views never parse DICOM per request: import records where the
PixelData value starts and how long a frame is, and a frame request is a
seek plus a read (0.016 ms against 0.38 ms for dcmread, imaging.md §4.2).
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import struct
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from pydicom import Dataset, dcmread
from pydicom.charset import default_encoding
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import validate_file_meta
from pydicom.filebase import DicomFileLike
from pydicom.filewriter import write_file_meta_info
from pydicom.tag import tag_in_exception
from pydicom.uid import ExplicitVRLittleEndian
from pydicom.valuerep import VR

from . import _elements

PIXEL_DATA_TAG = 0x7FE00010
UNDEFINED_LENGTH = 0xFFFFFFFF


@dataclass(frozen=True)
class WrittenInstance:
    """What the index needs to serve a stored instance without parsing it."""

    size: int
    sha256: str
    pixel_data_offset: int
    pixel_data_length: int
    transfer_syntax_uid: str
    number_of_frames: int
    frame_length: int


def encode_part10(ds: Dataset) -> bytes:
    """Encode ``ds`` as a Part 10 file in explicit VR little endian.

    The bytes are those of ``ds.save_as(buffer, enforce_file_format=True)``.

    Raises
    ------
    ValueError
        If the file meta asks for another transfer syntax: stored files must
        be seekable native little endian.
    """
    return b"".join(_encode(ds).chunks)


@dataclass(frozen=True)
class _Encoded:
    """A Part 10 file as chunks to write, and where its PixelData value lies."""

    chunks: list[bytes]
    pixel_data_offset: int | None  # None: not computed while encoding
    pixel_data_length: int | None


def _encode(ds: Dataset) -> _Encoded:
    meta = getattr(ds, "file_meta", None)
    tsuid = meta.get("TransferSyntaxUID") if meta is not None else None
    if tsuid != ExplicitVRLittleEndian:
        raise ValueError(f"Stored instances must be Explicit VR Little Endian, not {tsuid}.")
    if ds.original_encoding != (False, True) or ds.original_character_set != ds._character_set:
        # pydicom would convert raw elements and fix ambiguous VRs first:
        # let it (a dataset built in code, not by blind_dataset).
        buffer = BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        return _Encoded([buffer.getvalue()], None, None)
    return _encode_raw(ds)


def _encode_raw(ds: Dataset) -> _Encoded:
    """Encode a dataset whose raw elements pydicom would write verbatim.

    Produces the bytes of ``ds.save_as(buffer, enforce_file_format=True)``
    for a dataset read (or built, like ``blind_dataset``'s) in explicit VR
    little endian: ``dcmwrite`` writes the preamble and file meta, then each
    element in tag order, a raw element as its header and unchanged value.
    Here raw elements are joined directly, converted ones go through
    pydicom's ``write_data_element`` (remembered by value), and the file
    meta is assembled the same way when it is the usual one
    (:func:`_preamble_and_meta`). The PixelData value is not copied: it is
    its own chunk, and its offset is known once the chunks before it are.
    """
    head = BytesIO()
    fp = DicomFileLike(head)
    fp.is_implicit_VR, fp.is_little_endian = False, True
    _write_preamble_and_meta(fp, ds)
    parts: list[bytes] = [head.getvalue()]  # small pieces, joined into chunks
    chunks: list[bytes] = []
    size = len(parts[0])
    pixel_offset = pixel_length = None
    if PIXEL_DATA_TAG in ds:
        # dcmwrite marks native PixelData as having a defined length.
        ds[PIXEL_DATA_TAG].is_undefined_length = False
    encodings = ds.get("SpecificCharacterSet", default_encoding)
    use_memo = _elements.memos_usable()
    encodings_key = encodings if isinstance(encodings, str) else tuple(encodings)
    for elem in _elements.in_tag_order(ds):
        tag = int(elem.tag)
        if tag & 0xFFFF == 0 and tag >> 16 > 6:  # retired group lengths are not written
            continue
        if isinstance(elem, RawDataElement) and elem.value is None:
            elem = ds.get_item(tag)  # a deferred value: as write_dataset reads it
        if tag == PIXEL_DATA_TAG:
            pixel = _pixel_data_parts(elem)
            if pixel is not None:
                header, value, pad = pixel
                parts.append(header)
                chunks.append(b"".join(parts))
                size += len(header)
                pixel_offset, pixel_length = size, len(value) + len(pad)
                chunks.append(value)  # not copied
                parts = [pad]
                size += pixel_length
                continue
        header = _elements.header(elem) if _elements.is_explicit_little_endian_raw(elem) else None
        if header is None:
            # A converted element is remembered by value; a raw one here
            # (not explicit VR little endian, undefined length) is not.
            key = None
            if use_memo and isinstance(elem, DataElement):
                found = _elements.write_key(elem, None)
                key = None if found is None else ("encode", found, encodings_key)
            encoded = _elements.CANONICAL.get(key)
            if encoded is None:
                with tag_in_exception(elem.tag):
                    encoded = _elements.encode_element(elem, encodings)
                _elements.CANONICAL.put(key, encoded)
            parts.append(encoded)
            size += len(encoded)
        else:
            parts.append(header)
            parts.append(elem.value)
            size += len(header) + len(elem.value)
    chunks.append(b"".join(parts))
    return _Encoded([chunk for chunk in chunks if chunk], pixel_offset, pixel_length)


def _write_preamble_and_meta(fp: DicomFileLike, ds: Dataset) -> None:
    # What dcmwrite(..., enforce_file_format=True) writes before the dataset.
    fast = _preamble_and_meta(ds)
    if fast is not None:
        fp.write(fast)
        return
    bad_groups = {tag >> 16 for tag in ds.keys() if tag >> 16 in (0, 2)}
    if 0 in bad_groups:
        raise ValueError(
            "Command Set elements (0000,eeee) are not allowed when using "
            "dcmwrite(), use write_dataset() instead"
        )
    if bad_groups:
        raise ValueError(
            "File Meta Information Group elements (0002,eeee) must be in a "
            f"FileMetaDataset instance in the '{type(ds).__name__}.file_meta' attribute"
        )
    file_meta = copy.deepcopy(ds.file_meta)
    preamble = getattr(ds, "preamble", None)
    if preamble and len(preamble) != 128:
        raise ValueError(f"'{type(ds).__name__}.preamble' must be 128-bytes long")
    meta_class = file_meta.get("MediaStorageSOPClassUID", None)
    ds_class = ds.get("SOPClassUID", None)
    if meta_class is None or (ds_class and ds_class != meta_class):
        file_meta.MediaStorageSOPClassUID = ds_class
    meta_instance = file_meta.get("MediaStorageSOPInstanceUID", None)
    ds_instance = ds.get("SOPInstanceUID", None)
    if meta_instance is None or (ds_instance and ds_instance != meta_instance):
        file_meta.MediaStorageSOPInstanceUID = ds_instance
    validate_file_meta(file_meta, enforce_standard=True)
    fp.write(preamble or b"\x00" * 128)
    fp.write(b"DICM")
    write_file_meta_info(fp, file_meta, enforce_standard=True)


# write_file_meta_info(enforce_standard=True) adds these when they are missing.
_FILE_META_VERSION = 0x00020001
_REQUIRED_META = (0x00020002, 0x00020003, 0x00020010, 0x00020012, 0x00020013)
_SIMPLE_META = frozenset((0x00020000, _FILE_META_VERSION, *_REQUIRED_META))


def _preamble_and_meta(ds: Dataset) -> bytes | None:
    """Preamble, prefix and file meta as ``dcmwrite`` writes them, or None.

    Covers the file meta ``blind_dataset`` builds: no group 0/2 element in
    the dataset, a 128-byte preamble or none, the media storage UIDs equal to
    the dataset's (``dcmwrite`` would change them otherwise), the required
    UIDs and the implementation version name present and not empty, nothing
    else but the group length and the version (added as ``00 01`` when
    missing, as pydicom does). The group length is recomputed, the other
    elements are encoded by pydicom's ``write_data_element`` (remembered by
    value). None for anything else, which goes through pydicom.
    """
    meta = ds.file_meta
    preamble = getattr(ds, "preamble", None)
    if (preamble and len(preamble) != 128) or not set(meta.keys()) <= _SIMPLE_META:
        return None
    if any(tag >> 16 in (0, 2) for tag in ds.keys()):
        return None
    if any(tag not in meta or _is_empty(meta, tag) for tag in _REQUIRED_META):
        return None
    if not _same_value(meta, _MEDIA_STORAGE_SOP_CLASS_UID, ds, _SOP_CLASS_UID) or not (
        _same_value(meta, _MEDIA_STORAGE_SOP_INSTANCE_UID, ds, _SOP_INSTANCE_UID)
    ):
        return None
    if _FILE_META_VERSION in meta and _is_empty(meta, _FILE_META_VERSION):
        return None
    group_length = meta.get_item(0x00020000)
    if group_length is not None and group_length.VR != "UL":
        return None
    use_memo = _elements.memos_usable()
    charset = _elements.charset_key(meta) if use_memo else None
    parts = []
    if _FILE_META_VERSION not in meta:  # the lowest tag after the group length
        parts.append(_META_VERSION_BYTES)
    for elem in _elements.in_tag_order(meta):
        if elem.tag == 0x00020000:
            continue
        found = _elements.write_key(elem, charset) if use_memo else None
        key = None if found is None else ("meta", found)
        encoded = _elements.CANONICAL.get(key)
        if encoded is None:
            # write_file_meta_info converts raw elements before writing them.
            encoded = _elements.encode_element(meta[elem.tag], default_encoding)
            _elements.CANONICAL.put(key, encoded)
        parts.append(encoded)
    body = b"".join(parts)
    length = struct.pack("<HH2sHL", 0x0002, 0x0000, b"UL", 4, len(body))
    return b"".join((preamble or b"\x00" * 128, b"DICM", length, body))


_MEDIA_STORAGE_SOP_CLASS_UID = 0x00020002
_MEDIA_STORAGE_SOP_INSTANCE_UID = 0x00020003
_SOP_CLASS_UID = 0x00080016
_SOP_INSTANCE_UID = 0x00080018
_ALPHANUMERIC = re.compile(rb"[0-9A-Za-z]")


def _is_empty(ds: Dataset, tag: int) -> bool:
    # A raw value with a letter or digit cannot convert to an empty one;
    # anything else is converted and asked.
    elem = ds.get_item(tag)
    if _elements.is_explicit_little_endian_raw(elem) and elem.value is not None:
        if _ALPHANUMERIC.search(elem.value):
            return False
    return ds[tag].is_empty


def _same_value(a: Dataset, a_tag: int, b: Dataset, b_tag: int) -> bool:
    """Whether ``a[a_tag].value == b[b_tag].value``; False if either is missing.

    Raw elements with the same VR and bytes convert to equal values, so they
    are compared without converting them.
    """
    first, second = a.get_item(a_tag), b.get_item(b_tag)
    if first is None or second is None:
        return False
    if (
        _elements.is_explicit_little_endian_raw(first)
        and _elements.is_explicit_little_endian_raw(second)
        and first.VR == second.VR
        and first.value is not None
        and first.value == second.value
    ):
        return True
    return a[a_tag].value == b[b_tag].value


_META_VERSION_BYTES = struct.pack("<HH2sHL", 0x0002, 0x0001, b"OB", 0, 2) + b"\x00\x01"


def _pixel_data_parts(elem: object) -> tuple[bytes, bytes, bytes] | None:
    """Header, value and pad byte of a native PixelData element, or None.

    Mirrors ``write_data_element`` for an OB or OW element holding bytes:
    the value is written as is, padded with a NUL byte to an even length.
    None for anything else (raw, buffered, another VR), which is encoded by
    pydicom; its offset is then found by :func:`locate_pixel_data`.
    """
    if not isinstance(elem, DataElement) or elem.is_buffered or elem.is_undefined_length:
        return None
    value = elem.value
    if elem.VR not in (VR.OB, VR.OW) or not isinstance(value, bytes):
        return None
    pad = b"\x00" if len(value) % 2 else b""
    header = struct.pack(
        "<HH2sHL", 0x7FE0, 0x0010, elem.VR.encode("ascii"), 0, len(value) + len(pad)
    )
    return header, value, pad


def locate_pixel_data(data: bytes) -> tuple[int, int]:
    """Return ``(offset, length)`` of the PixelData value in a Part 10 file.

    Parameters
    ----------
    data : bytes
        A native explicit VR little endian Part 10 file.

    Returns
    -------
    tuple of int
        Offset of the first byte of the PixelData value and its length.

    Raises
    ------
    ValueError
        If there is no top-level PixelData, it is encapsulated (undefined
        length) or it runs past the end of ``data``.
    """
    fp = BytesIO(data)
    ds = dcmread(fp, stop_before_pixels=True)
    if ds.file_meta.get("TransferSyntaxUID") != ExplicitVRLittleEndian:
        raise ValueError("Only Explicit VR Little Endian files can be located.")
    # stop_before_pixels rewinds to the start of the element header.
    start = fp.tell()
    header = data[start : start + 12]
    if len(header) < 12:
        raise ValueError("The file contains no PixelData element.")
    group, element, vr, _reserved, length = struct.unpack("<HH2sHL", header)
    if (group << 16 | element) != PIXEL_DATA_TAG:
        raise ValueError(f"Expected PixelData at byte {start}, found ({group:04X},{element:04X}).")
    if vr not in (b"OB", b"OW"):
        raise ValueError(f"PixelData has VR {vr!r}; expected OB or OW.")
    if length == UNDEFINED_LENGTH:
        raise ValueError("PixelData is encapsulated; frames cannot be located.")
    offset = start + 12
    if offset + length > len(data):
        raise ValueError("PixelData runs past the end of the file.")
    return offset, length


def write_blinded(ds: Dataset, path: Path) -> WrittenInstance:
    """Encode ``ds`` and write it atomically to ``path``.

    The bytes go to a temporary file in the same directory, are fsynced and
    then renamed over ``path``, so a reader never sees a half-written file and
    a crash leaves either the old file or the new one.
    """
    encoded = _encode(ds)
    if encoded.pixel_data_offset is None:
        data = b"".join(encoded.chunks)
        offset, length = locate_pixel_data(data)
        chunks = [data]
    else:
        offset, length = encoded.pixel_data_offset, encoded.pixel_data_length
        chunks = encoded.chunks
    digest = hashlib.sha256()
    size = 0
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600; use Django's FILE_UPLOAD_PERMISSIONS default so
        # a front proxy serving X-Accel redirects can read the file.
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    frame_length = (
        int(ds.Rows)
        * int(ds.Columns)
        * int(ds.get("SamplesPerPixel", 1) or 1)
        * int(ds.BitsAllocated)
        // 8
    )
    return WrittenInstance(
        size=size,
        sha256=digest.hexdigest(),
        pixel_data_offset=offset,
        pixel_data_length=length,
        transfer_syntax_uid=str(ExplicitVRLittleEndian),
        number_of_frames=frames,
        frame_length=frame_length,
    )


def read_frame(
    path: Path,
    *,
    offset: int,
    frame_length: int,
    frame_number: int,
    number_of_frames: int | None = None,
) -> bytes:
    """Return the raw bytes of one frame (1-based ``frame_number``).

    Parameters
    ----------
    path : Path
        A file written by :func:`write_blinded`.
    offset, frame_length : int
        From :class:`WrittenInstance`.
    frame_number : int
        1-based, as in DICOMweb frame URLs.
    number_of_frames : int, optional
        When given, frames beyond it are refused even if bytes follow.

    Raises
    ------
    ValueError
        If ``offset`` or ``frame_length`` is not positive.
    IndexError
        If the frame does not exist.
    """
    if offset < 0 or frame_length <= 0:
        raise ValueError("offset must be >= 0 and frame_length > 0.")
    if frame_number < 1 or (number_of_frames is not None and frame_number > number_of_frames):
        raise IndexError(f"Frame {frame_number} does not exist.")
    with open(path, "rb") as handle:
        handle.seek(offset + (frame_number - 1) * frame_length)
        data = handle.read(frame_length)
    # PixelData is the last element we write, so a short read means the frame
    # lies past the end of the pixel data.
    if len(data) != frame_length:
        raise IndexError(f"Frame {frame_number} does not exist.")
    return data
