"""Pure pydicom DICOM handling for ReaderStudy: validate, blind, store, serve.

Nothing in this package imports Django, so it can be tested on its own. The
ingest pipeline is::

    for name, data in iter_dicom_sources(paths):      # archive.py
        ds = read_validated(data, name=name)           # validation.py
        blinded = blind_dataset(ds, key=..., series_label=series_label(ds))
        info = write_blinded(blinded, path)            # storage.py
        header = metadata_json(blinded)                # dicomjson.py
"""

from __future__ import annotations

from .archive import iter_dicom_sources
from .blinding import (
    BLINDING_VERSION,
    blind_dataset,
    patient_pseudonym,
    pseudonymous_uid,
    series_label,
)
from .dicomjson import allowed_tags, metadata_json
from .errors import RejectedFile
from .storage import (
    WrittenInstance,
    encode_part10,
    locate_pixel_data,
    read_frame,
    write_blinded,
)
from .validation import patient_key, read_validated, study_key

__all__ = [
    "BLINDING_VERSION",
    "RejectedFile",
    "WrittenInstance",
    "allowed_tags",
    "blind_dataset",
    "encode_part10",
    "iter_dicom_sources",
    "locate_pixel_data",
    "metadata_json",
    "patient_key",
    "patient_pseudonym",
    "pseudonymous_uid",
    "read_frame",
    "read_validated",
    "series_label",
    "study_key",
    "write_blinded",
]
