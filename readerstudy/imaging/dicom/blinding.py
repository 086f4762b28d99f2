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
from typing import Any

import numpy as np
from pydicom import Dataset, FileMetaDataset, Sequence
from pydicom.uid import UID, ExplicitVRBigEndian, ExplicitVRLittleEndian

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
        left untouched.
    """
    out = Dataset()
    for keyword in KEPT_KEYWORDS:
        if keyword in ds:
            elem = ds[keyword]
            out.add_new(elem.tag, elem.VR, copy.deepcopy(elem.value))
    for keyword in REMAPPED_UID_KEYWORDS:
        if ds.get(keyword):
            setattr(out, keyword, pseudonymous_uid(str(ds[keyword].value), key=key))
    for keyword in EMPTIED_KEYWORDS:
        setattr(out, keyword, "")
    out.SeriesDescription = series_label
    out.PatientIdentityRemoved = "YES"
    out.DeidentificationMethod = list(DEIDENTIFICATION_METHOD)
    out.DeidentificationMethodCodeSequence = Sequence(
        [_code(value, meaning) for value, meaning in DEIDENTIFICATION_CODES]
    )
    references = _referenced_images(ds)
    if references:
        out.ReferencedImageSequence = references
    _remap_instance_uids(out, key=key)
    _copy_pixel_data(ds, out)
    out.file_meta = _file_meta(out)
    return out


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
        if elem.VR != "SQ":
            continue
        for item in elem.value:
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
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = IMPLEMENTATION_CLASS_UID
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
    return meta
