"""Decide whether an uploaded file is an original MR image we may import.

Everything that is not plainly an original, native-encoded, greyscale MR
acquisition is rejected rather than cleaned: derived and secondary images,
overlays and burned-in annotations are where answers and identities hide
(handbook imaging.md §6.3), and OCR-style cleaning is not trustworthy.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from pydicom import Dataset, dcmread
from pydicom.dataelem import RawDataElement
from pydicom.uid import (
    UID,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    MRImageStorage,
)
from pydicom.valuerep import VR

from . import _elements
from .errors import RejectedFile

# Native (unencapsulated) syntaxes only: blinding re-encodes them to explicit
# VR little endian, and frames can then be served by seeking.
NATIVE_TRANSFER_SYNTAXES = frozenset(
    {ImplicitVRLittleEndian, ExplicitVRLittleEndian, ExplicitVRBigEndian}
)
ALLOWED_PHOTOMETRIC = frozenset({"MONOCHROME1", "MONOCHROME2"})
ALLOWED_BITS_ALLOCATED = frozenset({8, 16})
PIXEL_DATA_TAG = 0x7FE00010
UNDEFINED_LENGTH = 0xFFFFFFFF
REQUIRED_UIDS = ("SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID")


def read_validated(data: bytes, *, name: str) -> Dataset:
    """Parse ``data`` and return the full dataset if it may be imported.

    Parameters
    ----------
    data : bytes
        The whole file, as uploaded.
    name : str
        Display name used in error messages (e.g. ``"cases.zip:IM1"``).

    Returns
    -------
    pydicom.Dataset
        The dataset including pixel data and file meta.

    Raises
    ------
    RejectedFile
        With one of the codes ``not_dicom``, ``truncated``, ``unparseable``,
        ``not_mr``, ``missing_uid``, ``derived_image``, ``overlay``,
        ``burned_in_annotation``, ``no_pixel_data``,
        ``unsupported_transfer_syntax`` or ``unsupported_pixel_format``.
    """
    # Check the Part 10 magic ourselves: pydicom can be talked into reading
    # arbitrary bytes (a TIFF or PNG upload) as a headerless dataset. A TIFF
    # header in the preamble is harmless: blinding writes a zero preamble.
    if len(data) < 132 or data[128:132] != b"DICM":
        raise RejectedFile(
            "not_dicom",
            f"{name} is not a DICOM Part 10 file: there is no 'DICM' marker at byte 128.",
        )
    ds = _parse(data, name=name)
    _check_content(ds, name=name)
    return ds


def _parse(data: bytes, *, name: str) -> Dataset:
    try:
        ds = dcmread(BytesIO(data))
    except Exception as exc:  # pydicom raises many types on malformed input
        raise _unparseable(name, exc) from exc
    # Without it pydicom guesses the encoding, which turns garbage after a
    # DICM marker into plausible-looking elements.
    if not ds.file_meta.get("TransferSyntaxUID"):
        raise RejectedFile(
            "unparseable",
            f"{name} has no File Meta Information with a TransferSyntaxUID.",
        )
    # pydicom shortens values silently at end of file, so compare each
    # top-level element's declared length with what was actually read.
    elements = _elements.in_tag_order(ds)
    for elem in elements:
        if (
            isinstance(elem, RawDataElement)
            and elem.value is not None
            and elem.length != UNDEFINED_LENGTH
            and len(elem.value) < elem.length
        ):
            raise RejectedFile(
                "truncated",
                f"{name} is truncated: element {elem.tag} declares "
                f"{elem.length} bytes but only {len(elem.value)} remain.",
            )
    try:
        _decode_everything(ds, elements)
    except Exception as exc:
        raise _unparseable(name, exc) from exc
    return ds


def _decode_everything(ds: Dataset, elements: list[Any]) -> None:
    """Convert every element as ``ds.iterall()`` would, so a malformed one fails here.

    Values are decoded lazily, and a file whose dropped attributes (a private
    tag, a PHI field) do not decode is refused like any other malformed file.
    An element equal to one that already converted without error (same tag,
    VR, bytes, byte order and character set: see ``_elements``) is not
    converted again and stays raw; blinding then copies its bytes. Elements
    are visited in ``iterall`` order, so the first failure is the same one.
    ``elements`` are those of ``ds`` in tag order, before any conversion.
    """
    use_memo = _elements.memos_usable()
    charset = _elements.charset_key(ds) if use_memo else None
    for elem in elements:
        key = None
        if use_memo and isinstance(elem, RawDataElement):
            key = _elements.raw_key(elem, charset)
            if key is not None and _elements.DECODES.get(key):
                continue
        converted = ds[elem.tag]
        _elements.DECODES.put(key, True)
        if converted.VR == VR.SQ:
            for item in converted.value:
                for _ in item.iterall():
                    pass


def _unparseable(name: str, exc: Exception) -> RejectedFile:
    return RejectedFile(
        "unparseable",
        f"{name} could not be parsed as DICOM ({type(exc).__name__}: {exc}).",
    )


def _check_content(ds: Dataset, *, name: str) -> None:
    sop_class = UID(str(ds.get("SOPClassUID", "") or ""))
    if sop_class != MRImageStorage:
        what = f"{sop_class.name} ({sop_class})" if sop_class else "missing"
        raise RejectedFile(
            "not_mr",
            f"{name} has SOP class {what}: only MR Image Storage can be read.",
        )
    if ds.get("Modality") != "MR":
        raise RejectedFile(
            "not_mr",
            f"{name} has Modality {ds.get('Modality')!r}: only MR can be read.",
        )
    missing_uids = [kw for kw in REQUIRED_UIDS if not str(ds.get(kw, "") or "")]
    if missing_uids:
        raise RejectedFile(
            "missing_uid",
            f"{name} lacks {', '.join(missing_uids)}: the image cannot be placed "
            "in a study and series.",
        )
    image_type = [str(v).upper() for v in (ds.get("ImageType") or [])]
    for flag in ("DERIVED", "SECONDARY"):
        if flag in image_type:
            raise RejectedFile(
                "derived_image",
                f"ImageType of {name} contains {flag}: only original acquisitions can be read.",
            )
    overlay_groups = sorted(
        {f"{tag >> 16:04X}" for tag in ds.keys() if _is_overlay_group(tag >> 16)}
    )
    if overlay_groups:
        raise RejectedFile(
            "overlay",
            f"{name} contains overlay group(s) {', '.join(overlay_groups)}: "
            "overlays can carry annotations, so the image is refused.",
        )
    if str(ds.get("BurnedInAnnotation", "")).strip().upper() == "YES":
        raise RejectedFile(
            "burned_in_annotation",
            f"{name} declares BurnedInAnnotation YES: text in the pixels cannot be blinded.",
        )
    if PIXEL_DATA_TAG not in ds:
        raise RejectedFile("no_pixel_data", f"{name} contains no PixelData.")
    tsuid = UID(str(ds.file_meta.get("TransferSyntaxUID", "") or ""))
    if tsuid not in NATIVE_TRANSFER_SYNTAXES:
        raise RejectedFile(
            "unsupported_transfer_syntax",
            f"{name} uses transfer syntax {tsuid.name or 'missing'} ({tsuid}): "
            "only uncompressed images can be imported.",
        )
    _check_pixel_module(ds, name=name)


def _is_overlay_group(group: int) -> bool:
    # Repeating groups 6000-601E (even) hold overlay planes (PS3.3 C.9.2).
    return 0x6000 <= group <= 0x601E and group % 2 == 0


def _check_pixel_module(ds: Dataset, *, name: str) -> None:
    missing = [
        kw
        for kw in ("Rows", "Columns", "BitsAllocated", "PhotometricInterpretation")
        if ds.get(kw) in (None, "")
    ]
    if missing:
        raise RejectedFile(
            "unsupported_pixel_format",
            f"{name} lacks required pixel attribute(s) {', '.join(missing)}.",
        )
    photometric = str(ds.PhotometricInterpretation).strip().upper()
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    if photometric not in ALLOWED_PHOTOMETRIC or samples != 1:
        raise RejectedFile(
            "unsupported_pixel_format",
            f"{name} is {photometric} with {samples} sample(s) per pixel: "
            "only single-sample MONOCHROME1/2 images can be read.",
        )
    bits = int(ds.BitsAllocated)
    if bits not in ALLOWED_BITS_ALLOCATED:
        raise RejectedFile(
            "unsupported_pixel_format",
            f"{name} has BitsAllocated {bits}: only 8 or 16 are supported.",
        )
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    expected = int(ds.Rows) * int(ds.Columns) * samples * bits // 8 * frames
    actual = len(ds.PixelData)
    # Odd-length values carry one trailing pad byte (PS3.5 §7.1).
    if actual in (expected, expected + expected % 2):
        return
    if actual < expected:
        raise RejectedFile(
            "truncated",
            f"{name} is truncated: PixelData has {actual} bytes but "
            f"{expected} are needed for {frames} frame(s) of "
            f"{ds.Rows}x{ds.Columns}.",
        )
    raise RejectedFile(
        "unparseable",
        f"{name} has {actual} bytes of PixelData but its geometry needs "
        f"{expected}: the pixel module is inconsistent.",
    )


def patient_key(ds: Dataset) -> str:
    """Return the original patient identity used to group and to detect mixing.

    The PatientID when present, else ``"PatientName|PatientBirthDate"``. An
    empty string means the file carries no identity at all; callers should
    treat such a file as an unknown patient rather than as "the same" one.
    """
    patient_id = str(ds.get("PatientID", "") or "").strip()
    if patient_id:
        return patient_id
    patient_name = str(ds.get("PatientName", "") or "").strip()
    birth_date = str(ds.get("PatientBirthDate", "") or "").strip()
    if not patient_name and not birth_date:
        return ""
    return f"{patient_name}|{birth_date}"


def study_key(ds: Dataset) -> str:
    """Return the original StudyInstanceUID (empty string when absent)."""
    return str(ds.get("StudyInstanceUID", "") or "").strip()
