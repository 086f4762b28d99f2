"""Blind a validated MR dataset by building a new one from an allow-list.

Nothing is copied and then deleted: a new dataset receives only the listed
attributes, so any tag we did not think of (private vendor data, AI results,
comments) can never leak. UIDs are replaced by keyed HMACs, which keeps them
stable across imports without storing an identity map (imaging.md §6.3,
reliability.md §3).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
from functools import cache
from typing import Any

import numpy as np
from pydicom import Dataset, FileMetaDataset, Sequence
from pydicom.charset import default_encoding
from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.multival import MultiValue
from pydicom.tag import BaseTag
from pydicom.uid import UID, ExplicitVRBigEndian, ExplicitVRLittleEndian
from pydicom.valuerep import CUSTOMIZABLE_CHARSET_VR, PersonName

from . import _elements

BLINDING_VERSION = "1"
# A fixed random UUID written as a 2.25 integer: identifies our writer only.
IMPLEMENTATION_CLASS_UID = "2.25.215807271425513384961706911580963542915"
IMPLEMENTATION_VERSION_NAME = "READERSTUDY_1"
# The method text is 102 characters but LO allows 64 per value, so it is
# stored as several values of the multi-valued (VM 1-n) attribute.
DEIDENTIFICATION_METHOD = (
    "ReaderStudy allow-list blinding v1",
    "PS3.15 Basic Profile",
    "Clean Descriptors",
    "no dates",
    "keyed-HMAC UIDs",
)
# CID 7050. 113106 (retain full dates) is deliberately absent: dates are removed.
DEIDENTIFICATION_CODES = (
    ("113100", "Basic Application Confidentiality Profile"),
    ("113105", "Clean Descriptors Option"),
)

# Copied verbatim when present. Only pixel description, geometry and
# acquisition physics: nothing that names a person, place, device or time.
KEPT_KEYWORDS = (
    # General image and series identification without text.
    "ImageType", "SOPClassUID", "Modality", "BodyPartExamined", "SeriesNumber",
    "AcquisitionNumber", "InstanceNumber",
    # MR acquisition basics (sequence, timing, field).
    "ScanningSequence", "SequenceVariant", "ScanOptions", "MRAcquisitionType",
    "RepetitionTime", "EchoTime", "InversionTime", "EchoTrainLength", "FlipAngle",
    "MagneticFieldStrength", "ImagingFrequency",
    # Geometry.
    "ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing",
    "SliceThickness", "SpacingBetweenSlices", "SliceLocation", "PatientPosition",
    # Image pixel module and display.
    "SamplesPerPixel", "PhotometricInterpretation", "NumberOfFrames", "Rows",
    "Columns", "BitsAllocated", "BitsStored", "HighBit", "PixelRepresentation",
    "WindowCenter", "WindowWidth", "RescaleIntercept", "RescaleSlope", "RescaleType",
    # Lossy history must survive re-encoding (PS3.3 C.7.6.1.1.5).
    "LossyImageCompression", "LossyImageCompressionRatio",
    "LossyImageCompressionMethod",
)  # fmt: skip
REMAPPED_UID_KEYWORDS = (
    "SOPInstanceUID",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "FrameOfReferenceUID",
)
# Type 2 identity attributes: present (so readers of the file do not choke)
# but empty.
EMPTIED_KEYWORDS = (
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "PatientSex",
    "StudyDate",
    "StudyTime",
    "ReferringPhysicianName",
    "StudyID",
    "AccessionNumber",
)
REFERENCED_IMAGE_ITEM_KEYWORDS = (
    "ReferencedSOPClassUID",
    "ReferencedSOPInstanceUID",
    "ReferencedFrameNumber",
)
BLINDING_KEYWORDS = (
    "SeriesDescription",
    "PatientIdentityRemoved",
    "DeidentificationMethod",
    "DeidentificationMethodCodeSequence",
    "ReferencedImageSequence",
)
# The blinded dataset has no SpecificCharacterSet: text is written in
# pydicom's default character set.
OUTPUT_ENCODING = default_encoding


def _tag(keyword: str) -> BaseTag:
    tag = tag_for_keyword(keyword)
    if tag is None:  # a typo in an allow-list must fail loudly
        raise LookupError(f"Unknown DICOM keyword {keyword!r} in allow-list.")
    return BaseTag(tag)


_KEPT_TAGS_BY_INT = {int(tag): tag for tag in map(_tag, KEPT_KEYWORDS)}
_REMAPPED_UID_TAGS = tuple((keyword, _tag(keyword)) for keyword in REMAPPED_UID_KEYWORDS)
_SERIES_DESCRIPTION = _tag("SeriesDescription")
_SOP_CLASS_UID = _tag("SOPClassUID")
_SOP_INSTANCE_UID = _tag("SOPInstanceUID")
_MEDIA_STORAGE_SOP_CLASS_UID = _tag("MediaStorageSOPClassUID")
_MEDIA_STORAGE_SOP_INSTANCE_UID = _tag("MediaStorageSOPInstanceUID")


def pseudonymous_uid(uid: str, *, key: bytes) -> str:
    """Return ``2.25.<int of HMAC-SHA256(key, uid)[:16]>`` (at most 44 chars)."""
    digest = hmac.new(key, uid.encode(), hashlib.sha256).digest()[:16]
    return "2.25." + str(int.from_bytes(digest, "big"))


def patient_pseudonym(patient_key: str, *, key: bytes) -> str:
    """Return a recomputable patient cluster key, ``"P"`` + 20 hex chars."""
    mac = hmac.new(key, b"patient:" + patient_key.encode(), hashlib.sha256)
    return "P" + mac.hexdigest()[:20]


def series_label(ds: Dataset) -> str:
    """Return a neutral label such as ``"SAG T2"`` from geometry and timing.

    The plane comes from the slice normal (largest component: x sagittal,
    y coronal, z axial; ``OBL`` when no axis dominates or IOP is missing),
    the weighting from TE/TR (TE >= 60 ms: T2; TR < 1000 and TE < 30: T1;
    otherwise PD). Without TE or TR the label is the plane alone.
    SeriesDescription is never consulted: it is free text that can leak.
    """
    plane = _plane(ds.get("ImageOrientationPatient"))
    weighting = _weighting(ds.get("RepetitionTime"), ds.get("EchoTime"))
    return f"{plane} {weighting}" if weighting else plane


def _plane(iop: Any) -> str:
    try:
        values = np.asarray([float(v) for v in iop], dtype=float)
    except (TypeError, ValueError):
        return "OBL"
    if values.shape != (6,):
        return "OBL"
    normal = np.cross(values[:3], values[3:])
    length = float(np.linalg.norm(normal))
    if length == 0.0:
        return "OBL"
    normal = np.abs(normal / length)
    # Angled axials of the lumbar discs are routinely 20-30 degrees off; call
    # it oblique only when the normal is over about 41 degrees from every axis.
    if normal.max() < 0.75:
        return "OBL"
    return ("SAG", "COR", "AX")[int(normal.argmax())]


def _weighting(tr: Any, te: Any) -> str:
    try:
        echo = float(te)
    except (TypeError, ValueError):
        return ""
    if echo >= 60:
        return "T2"
    try:
        repetition = float(tr)
    except (TypeError, ValueError):
        return ""
    if repetition < 1000 and echo < 30:
        return "T1"
    return "PD"


def blind_dataset(ds: Dataset, *, key: bytes, series_label: str) -> Dataset:
    """Build a new, blinded dataset from a validated MR dataset.

    Parameters
    ----------
    ds : pydicom.Dataset
        A dataset accepted by :func:`read_validated` (native transfer syntax).
    key : bytes
        The project secret for UID pseudonyms.
    series_label : str
        Neutral SeriesDescription, usually from :func:`series_label`.

    Returns
    -------
    pydicom.Dataset
        A new dataset with explicit VR little endian file meta; the source is
        left untouched (apart from pydicom converting raw values it reads).
        Attributes are held as raw explicit VR little endian elements whose
        bytes are what pydicom's writer produces for the copied value (see
        ``_elements``), so writing the dataset copies bytes instead of
        formatting values again. Reading an attribute converts it as usual.
    """
    use_memo = _elements.memos_usable()
    charset = _elements.charset_key(ds) if use_memo else None
    elements: dict[BaseTag, Any] = {}
    for elem in ds.values():  # one pass; tags compared as ints (see _elements)
        tag = int(elem.tag)
        if tag in _KEPT_TAGS_BY_INT:
            if isinstance(elem, RawDataElement) and elem.value is None:
                elem = ds.get_item(tag)  # deferred: read it, as ds[...] would
            elements[_KEPT_TAGS_BY_INT[tag]] = _kept(ds, elem, use_memo=use_memo, charset=charset)
    for keyword, tag in _REMAPPED_UID_TAGS:
        if ds.get(keyword):
            uid = pseudonymous_uid(str(ds[keyword].value), key=key)
            elements[tag] = _uid_element(tag, uid)
    elements.update(_constant_elements())
    elements[_SERIES_DESCRIPTION] = _written(
        DataElement(_SERIES_DESCRIPTION, "LO", series_label), use_memo=use_memo
    )
    out = Dataset(elements)
    out.set_original_encoding(False, True, OUTPUT_ENCODING)
    references = _referenced_images(ds)
    if references:
        out.ReferencedImageSequence = references
        _remap_items(out.ReferencedImageSequence, key=key)
    _copy_pixel_data(ds, out)
    out.file_meta = _file_meta(out)
    return out


def _kept(ds: Dataset, elem: Any, *, use_memo: bool, charset: Any) -> Any:
    """The allow-listed element ``elem`` of ``ds`` as the blinded file holds it.

    Equal source elements give equal results, so they are remembered: by
    their raw bytes while ``ds`` still holds them raw, else by their value.
    """
    key = None
    tag = elem.tag
    if use_memo:
        if isinstance(elem, RawDataElement):
            found = _elements.raw_key(elem, charset)
            key = None if found is None else ("blind-raw", found)
        else:
            found = _elements.value_key(elem)
            key = None if found is None else ("blind-value", found)
        hit = _elements.CANONICAL.get(key)
        if hit is not None:
            return hit
    elem = ds[tag]
    copied = _canonical(DataElement(elem.tag, elem.VR, copy.deepcopy(elem.value)))
    if isinstance(copied, RawDataElement):
        _elements.CANONICAL.put(key, copied)
    return copied


def _written(elem: DataElement, *, use_memo: bool) -> Any:
    """``elem`` (built here, not shared) as the blinded file holds it."""
    key = None
    if use_memo:
        found = _elements.value_key(elem)
        key = None if found is None else ("blind-value", found)
        hit = _elements.CANONICAL.get(key)
        if hit is not None:
            return hit
    copied = _canonical(elem)
    if isinstance(copied, RawDataElement):
        _elements.CANONICAL.put(key, copied)
    return copied


def _canonical(elem: DataElement) -> RawDataElement | DataElement:
    """Encode ``elem`` with pydicom's writer and keep the bytes as a raw element.

    The blinded dataset has no SpecificCharacterSet, so text is encoded with
    pydicom's default, as writing the dataset would. Two kinds of element are
    kept as they are: those pydicom writes with an undefined length, and text
    that is not ASCII, which the default character set may not represent (the
    file then holds replacement characters while the DICOM JSON, made from
    the value, keeps the text, as it always has).
    """
    if elem.VR in CUSTOMIZABLE_CHARSET_VR and not _is_ascii(elem.value):
        return elem
    encoded = _elements.encode_element(elem, OUTPUT_ENCODING)
    raw = _elements.from_encoded(elem.tag, encoded)
    return elem if raw is None else raw


def _is_ascii(value: Any) -> bool:
    values = value if isinstance(value, (MultiValue, list, tuple)) else [value]
    return all(v is None or (isinstance(v, (str, PersonName)) and str(v).isascii()) for v in values)


def _uid_element(tag: BaseTag, uid: str) -> RawDataElement:
    # What pydicom writes for a UI value: the ASCII UID padded with NUL to
    # an even length. Pseudonyms are "2.25." and digits, at most 44 chars.
    value = uid.encode("ascii")
    if len(value) % 2:
        value += b"\0"
    return RawDataElement(tag, "UI", len(value), value, 0, False, True)


@cache
def _constant_elements() -> dict[BaseTag, RawDataElement]:
    """The identity attributes emptied and the de-identification record.

    The same for every instance, so they are encoded once (raw elements are
    immutable and can be shared between datasets).
    """
    template = Dataset()
    for keyword in EMPTIED_KEYWORDS:
        setattr(template, keyword, "")
    template.PatientIdentityRemoved = "YES"
    template.DeidentificationMethod = list(DEIDENTIFICATION_METHOD)
    template.DeidentificationMethodCodeSequence = Sequence(
        [_code(value, meaning) for value, meaning in DEIDENTIFICATION_CODES]
    )
    constants = {}
    for elem in template:
        raw = _canonical(elem)
        if not isinstance(raw, RawDataElement):  # pragma: no cover - pydicom changed
            raise RuntimeError(f"{elem.tag} cannot be stored as a raw element.")
        _elements.register_constant(raw)
        constants[elem.tag] = raw
    return constants


def _code(value: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = "DCM"
    item.CodeMeaning = meaning
    return item


def _referenced_images(ds: Dataset) -> Sequence:
    # Items are rebuilt from their own small allow-list; the instance UID is
    # remapped by _remap_instance_uids like every other instance UID.
    items = []
    for source in ds.get("ReferencedImageSequence") or []:
        item = Dataset()
        for keyword in REFERENCED_IMAGE_ITEM_KEYWORDS:
            if keyword in source:
                elem = source[keyword]
                item.add_new(elem.tag, elem.VR, copy.deepcopy(elem.value))
        if "ReferencedSOPInstanceUID" in item:
            items.append(item)
    return Sequence(items)


def _remap_instance_uids(ds: Dataset, *, key: bytes) -> None:
    """Remap every UI value inside sequences that is not a registered UID.

    Registered UIDs (SOP classes, transfer syntaxes, well-known frames of
    reference) identify nobody; everything else is an instance UID that could
    be looked up in the source PACS. Top-level UIDs are set explicitly.
    """
    for elem in ds:
        if elem.VR == "SQ":
            _remap_items(elem.value, key=key)


def _remap_items(items: Sequence, *, key: bytes) -> None:
    for item in items:
        for inner in item:
            if inner.VR == "UI" and inner.value:
                values = inner.value if inner.VM > 1 else [inner.value]
                mapped = [_maybe_remap(str(v), key=key) for v in values]
                inner.value = mapped if inner.VM > 1 else mapped[0]
        _remap_instance_uids(item, key=key)


def _maybe_remap(uid: str, *, key: bytes) -> str:
    return uid if UID(uid).name != uid else pseudonymous_uid(uid, key=key)


def _copy_pixel_data(ds: Dataset, out: Dataset) -> None:
    pixels = ds.PixelData
    bits = int(ds.BitsAllocated)
    tsuid = ds.file_meta.TransferSyntaxUID
    # Big endian OW stores 16-bit words byte-swapped; undo that so the bytes
    # are little endian. 8-bit data in OB is a plain byte stream.
    if tsuid == ExplicitVRBigEndian and (bits == 16 or ds["PixelData"].VR == "OW"):
        pixels = np.frombuffer(pixels, dtype=">u2").astype("<u2").tobytes()
    out.add_new(0x7FE00010, "OW" if bits > 8 else "OB", pixels)


def _file_meta(ds: Dataset) -> FileMetaDataset:
    sop_class = ds.get_item(_SOP_CLASS_UID)
    sop_instance = ds.get_item(_SOP_INSTANCE_UID)
    if not all(
        _elements.is_explicit_little_endian_raw(elem) and elem.VR == "UI"
        for elem in (sop_class, sop_instance)
    ):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = ds.SOPClassUID
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        meta.ImplementationClassUID = IMPLEMENTATION_CLASS_UID
        meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
        return meta
    # The same UI bytes under the media storage tags: what setting them from
    # the dataset's values and writing them would give.
    meta = FileMetaDataset()
    meta[_MEDIA_STORAGE_SOP_CLASS_UID] = sop_class._replace(tag=_MEDIA_STORAGE_SOP_CLASS_UID)
    meta[_MEDIA_STORAGE_SOP_INSTANCE_UID] = sop_instance._replace(
        tag=_MEDIA_STORAGE_SOP_INSTANCE_UID
    )
    for tag, raw in _constant_meta().items():
        meta[tag] = raw
    return meta


@cache
def _constant_meta() -> dict[BaseTag, RawDataElement]:
    template = FileMetaDataset()
    template.TransferSyntaxUID = ExplicitVRLittleEndian
    template.ImplementationClassUID = IMPLEMENTATION_CLASS_UID
    template.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
    constants = {}
    for elem in template:
        raw = _canonical(elem)
        if not isinstance(raw, RawDataElement):  # pragma: no cover - pydicom changed
            raise RuntimeError(f"{elem.tag} cannot be stored as a raw element.")
        constants[elem.tag] = raw
    return constants
