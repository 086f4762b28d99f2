"""Per-element work that ingest repeats for every instance, remembered once.

pydicom reads a file as raw elements (tag, VR, value bytes) and converts an
element to a Python value only when it is first accessed. Ingest needs three
things per element: whether it converts at all (validation), the bytes
pydicom's writer produces for it in explicit VR little endian (blinding and
storage) and its DICOM JSON (the metadata route). For most elements each of
these depends only on the element itself and on pydicom's configuration:

- the tag, VR, value bytes, byte order and VR encoding of a raw element, plus
  the character set of its dataset (text values are decoded with it);
- the VR and value of an already converted element (the writer formats DS
  and IS from their original strings, integers with ``struct``).

The exceptions are private tags (pydicom looks the VR up through the private
creator), sequences and ambiguous VRs such as ``US or SS`` (resolved from
other elements). They are never remembered; neither are values over
:data:`MAX_REMEMBERED_BYTES`.

The instances of an MR series repeat most of their attributes (acquisition
physics, pixel module, geometry other than the slice position), so after the
first instance most elements are a dictionary lookup. What is remembered is
exactly what pydicom computed for an equal element, so results are the same
as without the memo: :func:`memos_usable` empties everything whenever a
pydicom setting or hook that conversion depends on changes.
"""

from __future__ import annotations

import struct
from collections.abc import Hashable, Iterable
from typing import Any

from pydicom import config
from pydicom.charset import default_encoding
from pydicom.datadict import dictionary_VR
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_data_element
from pydicom.hooks import hooks
from pydicom.multival import MultiValue
from pydicom.tag import BaseTag
from pydicom.valuerep import (
    AMBIGUOUS_VR,
    BYTES_VR,
    EXPLICIT_VR_LENGTH_32,
    STR_VR,
    VR,
)

MAX_REMEMBERED_BYTES = 256
MAX_ENTRIES = 10_000  # per memo; a few MB at most
UNDEFINED_LENGTH = 0xFFFFFFFF
SPECIFIC_CHARACTER_SET = 0x00080005


def _values(vrs: Iterable[VR]) -> frozenset[str]:
    # Plain strings: a VR enum member hashes by name, which is not always its value.
    return frozenset(vr.value for vr in vrs)


# VRs whose conversion and encoding depend on the element alone.
PLAIN_VRS = _values(set(VR) - AMBIGUOUS_VR - {VR.SQ, VR.UN})
# Values written with write_number_string (original string when present).
NUMBER_STRING_VRS = _values({VR.DS, VR.IS})
INTEGER_VRS = _values({VR.US, VR.UL, VR.SS, VR.SL, VR.SV, VR.UV})
STRING_VRS = _values(STR_VR - {VR.PN, VR.DS, VR.IS})
# DICOM JSON of these holds dicts (PN) or binary handled by a callback.
NO_JSON_MEMO_VRS = _values(BYTES_VR | {VR.PN})

_SHORT_HEADER = struct.Struct("<HH2sH")
_LONG_HEADER = struct.Struct("<HH2sHL")
_dictionary_vrs: dict[int, str | None] = {}


class _Memo:
    """A bounded dictionary; emptied when full or when pydicom's settings change."""

    def __init__(self) -> None:
        self.data: dict[Hashable, Any] = {}

    def get(self, key: Hashable | None) -> Any:
        return None if key is None else self.data.get(key)

    def put(self, key: Hashable | None, value: Any) -> None:
        if key is None:
            return
        if len(self.data) >= MAX_ENTRIES:
            self.data.clear()
        self.data[key] = value


DECODES = _Memo()  # raw element key -> True: pydicom converts it without error
# element key -> pydicom's encoding of it: a RawDataElement (blinding) or the
# encoded bytes (storage); each caller's keys start with its own name.
CANONICAL = _Memo()
JSON = _Memo()  # element key -> DICOM JSON of the element
# id(constant raw element) -> (element, {charset: DICOM JSON}); see register_constant.
CONSTANTS: dict[int, tuple[RawDataElement, dict[Hashable, dict[str, Any]]]] = {}
_MEMOS = (DECODES, CANONICAL, JSON)
_state: tuple[Any, ...] | None = None


def memos_usable() -> bool:
    """Return whether the memos may be used; empty them if settings changed.

    Call once per dataset before using the memos. They are not used while a
    raw element callback or hook keyword arguments are installed.
    """
    global _state
    settings = config.settings
    state = (
        settings.reading_validation_mode,
        settings.writing_validation_mode,
        settings.infer_sq_for_un_vr,
        config.use_DS_decimal,
        config.use_DS_numpy,
        config.use_IS_numpy,
        config.allow_DS_float,
        config.convert_wrong_length_to_UN,
        config.datetime_conversion,
        config.use_none_as_empty_text_VR_value,
        config.replace_un_with_known_vr,
        config.data_element_callback,
        hooks.raw_element_vr,
        hooks.raw_element_value,
        bool(hooks.raw_element_kwargs),
    )
    if state != _state:
        for memo in _MEMOS:
            memo.data.clear()
        for _, stored in list(CONSTANTS.values()):
            stored.clear()
        _state = state
    return config.data_element_callback is None and not hooks.raw_element_kwargs


def in_tag_order(ds: Dataset) -> list[DataElement | RawDataElement]:
    """The top-level elements of ``ds`` in tag order, raw ones left raw.

    Like ``Dataset.elements()``, except that a raw element whose value was
    not read (deferred) is returned raw instead of being read and converted.
    """
    # Sort (int, element) pairs: BaseTag compares in Python, int in C.
    return [elem for _, elem in sorted(zip(map(int, ds.keys()), ds.values(), strict=True))]


def charset_key(ds: Dataset) -> Hashable:
    """The character set pydicom decodes ``ds``'s text values with, hashable."""
    charset = ds.original_character_set or ds._character_set
    return charset if isinstance(charset, str) else tuple(charset)


def _dictionary_vr(tag: int) -> str | None:
    try:
        return _dictionary_vrs[tag]
    except KeyError:
        try:
            vr = dictionary_VR(tag)
        except KeyError:
            vr = None
        _dictionary_vrs[tag] = vr
        return vr


def raw_key(raw: RawDataElement, charset: Hashable) -> tuple[Any, ...] | None:
    """Everything pydicom's conversion of ``raw`` depends on, or None.

    None for private tags, sequences, ambiguous or unknown VRs, values that
    are deferred or longer than :data:`MAX_REMEMBERED_BYTES`. Tags are plain
    ints in keys: ``BaseTag.__eq__`` is Python code, ``int``'s is not.
    """
    tag = int(raw.tag)
    value = raw.value
    if value is None or len(value) > MAX_REMEMBERED_BYTES or (tag >> 16) & 1:
        return None
    vr = raw.VR
    if (vr if vr is not None else _dictionary_vr(tag)) not in PLAIN_VRS:
        return None
    if tag == SPECIFIC_CHARACTER_SET:  # always decoded with the default
        charset = default_encoding
    return (tag, vr, raw.is_implicit_VR, raw.is_little_endian, raw.length, value, charset)


def value_key(elem: DataElement) -> tuple[Any, ...] | None:
    """Everything pydicom's writer output for a converted ``elem`` depends on, or None.

    Covers plain strings, DS and IS (written from their original string when
    they have one) and integers; anything else is not remembered.
    """
    vr = elem.VR
    value = elem.value
    multi = isinstance(value, (MultiValue, list, tuple))
    values = value if multi else (value,)
    if vr in STRING_VRS:
        if not all(isinstance(v, str) for v in values):
            return None
        parts = tuple(str(v) for v in values)
    elif vr in NUMBER_STRING_VRS:
        parts = tuple(
            (type(v).__name__, v.original_string if hasattr(v, "original_string") else str(v))
            for v in values
        )
    elif vr in INTEGER_VRS:
        if not all(type(v) is int for v in values):
            return None
        parts = tuple(values)
    else:
        return None
    if elem.is_undefined_length:
        return None
    return (int(elem.tag), vr, multi, parts)


def write_key(elem: DataElement | RawDataElement, charset: Hashable) -> tuple[Any, ...] | None:
    """Key for what ``write_data_element`` writes for ``elem``, or None.

    A converted element by its value (see :func:`value_key`); a raw element
    that must be converted first (``charset`` is its dataset's) by its bytes.
    """
    if isinstance(elem, RawDataElement):
        key = raw_key(elem, charset)
        return None if key is None else ("write-raw", key)
    key = value_key(elem)
    return None if key is None else ("write", key)


def from_encoded(tag: int, data: bytes) -> RawDataElement | None:
    """Turn one element encoded in explicit VR little endian back into a raw element.

    None if the element has an undefined length (its value is not one
    contiguous run of bytes).
    """
    vr = data[4:6].decode("ascii")
    if vr in EXPLICIT_VR_LENGTH_32:
        (length,) = struct.unpack_from("<L", data, 8)
        value = data[12:]
    else:
        (length,) = struct.unpack_from("<H", data, 6)
        value = data[8:]
    if length == UNDEFINED_LENGTH or length != len(value):
        return None
    return RawDataElement(BaseTag(tag), vr, length, value, 0, False, True)


def encode_element(elem: DataElement | RawDataElement, encodings: Any) -> bytes:
    """Encode one element in explicit VR little endian with pydicom's writer."""
    fp = DicomBytesIO()
    fp.is_little_endian = True
    fp.is_implicit_VR = False
    write_data_element(fp, elem, encodings)
    return fp.getvalue()


def header(raw: RawDataElement) -> bytes | None:
    """The explicit VR little endian header pydicom writes before ``raw.value``.

    pydicom writes a raw element's value verbatim behind its tag, VR and the
    value's length. None where pydicom would do more (undefined length, a
    missing or odd VR, a value too long for a 2-byte length): encode those
    with :func:`encode_element`.
    """
    vr = raw.VR
    value = raw.value
    if (
        value is None
        or raw.length == UNDEFINED_LENGTH
        or not isinstance(vr, str)
        or len(vr) != 2
        or not raw.is_raw
    ):
        return None
    tag = raw.tag
    if vr in EXPLICIT_VR_LENGTH_32:
        return _LONG_HEADER.pack(tag >> 16, tag & 0xFFFF, vr.encode("ascii"), 0, len(value))
    if len(value) > 0xFFFF:
        return None
    return _SHORT_HEADER.pack(tag >> 16, tag & 0xFFFF, vr.encode("ascii"), len(value))


def is_explicit_little_endian_raw(elem: Any) -> bool:
    return (
        isinstance(elem, RawDataElement)
        and elem.is_implicit_VR is False
        and elem.is_little_endian is True
    )


def json_key(elem: DataElement | RawDataElement, charset: Hashable) -> tuple[Any, ...] | None:
    """Key for the DICOM JSON of ``elem`` (raw or converted), or None."""
    if isinstance(elem, RawDataElement):
        key = raw_key(elem, charset)
        if key is None:
            return None
        vr = elem.VR if elem.VR is not None else _dictionary_vr(elem.tag)
        return None if vr in NO_JSON_MEMO_VRS else ("raw", key)
    if elem.VR in NO_JSON_MEMO_VRS:
        return None
    key = value_key(elem)
    return None if key is None else ("value", key)


def register_constant(raw: RawDataElement) -> None:
    """Declare ``raw`` an element shared, unchanged, by many datasets.

    Its DICOM JSON can then be remembered even where no key can be built
    (sequences, person names): :func:`constant_json`. The registry holds the
    element, so its ``id`` stays unique.
    """
    CONSTANTS[id(raw)] = (raw, {})


def constant_json(elem: Any) -> dict[Hashable, dict[str, Any]] | None:
    """The JSON store of a registered constant element, by character set."""
    entry = CONSTANTS.get(id(elem))
    return entry[1] if entry is not None and entry[0] is elem else None


def copy_tree(node: Any) -> Any:
    """Copy nested dicts and lists (a DICOM JSON element); leaves are immutable."""
    if isinstance(node, dict):
        return {key: copy_tree(value) for key, value in node.items()}
    if isinstance(node, list):
        return [copy_tree(value) for value in node]
    return node


def copy_json(element: dict[str, Any]) -> dict[str, Any] | None:
    """A copy of a plain DICOM JSON element, or None if it is not plain.

    Plain: only ``vr`` and a ``Value`` list of strings and numbers, so a
    shallow copy shares nothing mutable.
    """
    if set(element) - {"vr", "Value"}:
        return None
    if "Value" not in element:
        return {"vr": element["vr"]}
    values = element["Value"]
    if not isinstance(values, list) or not all(isinstance(v, (str, int, float)) for v in values):
        return None
    return {"vr": element["vr"], "Value": list(values)}
