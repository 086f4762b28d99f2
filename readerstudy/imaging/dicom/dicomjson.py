"""DICOM JSON (PS3.18 F.2) metadata for the WADO-RS series metadata route.

The browser sees whatever we serve, so the metadata is a second blinding
layer: only allow-listed tags, never the pixel bytes (imaging.md §4, §6.3).

Pixel data is omitted. A view that wants OHIF-style bulk data links adds one
per instance after loading the cached dict, e.g.::

    header = metadata_json(ds)  # cached at import
    header["7FE00010"] = {"vr": "OW", "BulkDataURI": request.build_absolute_uri(url)}

or passes ``pixel_data_uri=`` here when the URL is known at import.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydicom import Dataset
from pydicom.datadict import tag_for_keyword

from . import _elements
from .blinding import (
    BLINDING_KEYWORDS,
    EMPTIED_KEYWORDS,
    KEPT_KEYWORDS,
    REFERENCED_IMAGE_ITEM_KEYWORDS,
    REMAPPED_UID_KEYWORDS,
)

PIXEL_TAGS = frozenset({0x7FE00008, 0x7FE00009, 0x7FE00010})
CODE_ITEM_KEYWORDS = ("CodeValue", "CodingSchemeDesignator", "CodeMeaning")
# Not in the dataset itself: added from the file meta.
TRANSFER_SYNTAX_KEY = "00020010"
AVAILABLE_TRANSFER_SYNTAX_KEY = "00083002"


@cache
def allowed_tags() -> frozenset[str]:
    """Return the DICOM JSON keys (``"GGGGEEEE"``) a blinded header may hold.

    Includes the tags allowed inside kept sequence items and PixelData
    (``7FE00010``, which may appear as a BulkDataURI); excludes the two
    transfer syntax keys that :func:`metadata_json` adds from the file meta.
    """
    keywords = (
        KEPT_KEYWORDS
        + REMAPPED_UID_KEYWORDS
        + EMPTIED_KEYWORDS
        + BLINDING_KEYWORDS
        + REFERENCED_IMAGE_ITEM_KEYWORDS
        + CODE_ITEM_KEYWORDS
        + ("PixelData",)
    )
    tags = set()
    for keyword in keywords:
        tag = tag_for_keyword(keyword)
        if tag is None:  # a typo in an allow-list must fail loudly
            raise LookupError(f"Unknown DICOM keyword {keyword!r} in allow-list.")
        tags.add(f"{tag:08X}")
    return frozenset(tags)


def metadata_json(ds: Dataset, *, pixel_data_uri: str | None = None) -> dict[str, Any]:
    """Return the DICOM JSON header of a blinded dataset, without pixel bytes.

    Parameters
    ----------
    ds : pydicom.Dataset
        A blinded dataset with file meta (from :func:`blind_dataset` or read
        back from the blinded store, with or without ``stop_before_pixels``).
    pixel_data_uri : str, optional
        If given, PixelData is described as ``{"vr": ..., "BulkDataURI": uri}``.

    Returns
    -------
    dict
        Keys are ``"GGGGEEEE"`` tags; ``00020010`` TransferSyntaxUID and
        ``00083002`` AvailableTransferSyntaxUID are added from the file meta.

    Raises
    ------
    ValueError
        If ``ds`` has no file meta TransferSyntaxUID.
    """
    meta = getattr(ds, "file_meta", None)
    tsuid = meta.get("TransferSyntaxUID") if meta is not None else None
    if not tsuid:
        raise ValueError("The dataset has no file meta TransferSyntaxUID.")
    # What Dataset.to_json_dict does, in tag order, without the pixel
    # elements so they are neither base64-encoded (InlineBinary) nor read.
    # Elements equal to one seen before reuse its JSON (see _elements).
    use_memo = _elements.memos_usable()
    charset = _elements.charset_key(ds) if use_memo else None
    result: dict[str, Any] = {}
    for elem in _elements.in_tag_order(ds):
        tag = int(elem.tag)
        if tag in PIXEL_TAGS:
            continue
        json_tag = f"{tag:08X}"
        key = constants = None
        if use_memo:
            constants = _elements.constant_json(elem)
            if constants is not None:
                if charset in constants:
                    result[json_tag] = _elements.copy_tree(constants[charset])
                    continue
            else:
                key = _elements.json_key(elem, charset)
                remembered = _elements.JSON.get(key)
                if remembered is not None:
                    result[json_tag] = _elements.copy_json(remembered)
                    continue
        element = ds[tag].to_json_dict(
            bulk_data_element_handler=_refuse_bulk_data, bulk_data_threshold=1024
        )
        if constants is not None:
            constants[charset] = _elements.copy_tree(element)
        elif key is not None and _elements.copy_json(element) is not None:
            _elements.JSON.put(key, _elements.copy_json(element))
        result[json_tag] = element
    result[TRANSFER_SYNTAX_KEY] = {"vr": "UI", "Value": [str(tsuid)]}
    result[AVAILABLE_TRANSFER_SYNTAX_KEY] = {"vr": "UI", "Value": [str(tsuid)]}
    if pixel_data_uri is not None:
        vr = "OW" if int(ds.get("BitsAllocated", 16)) > 8 else "OB"
        result["7FE00010"] = {"vr": vr, "BulkDataURI": pixel_data_uri}
    return result


def _refuse_bulk_data(elem: Any) -> str:
    # A blinded header has no large binary element besides PixelData, which is
    # removed above; anything else means an unblinded dataset slipped in.
    raise ValueError(f"Unexpected bulk data element {elem.tag} in a blinded header.")
