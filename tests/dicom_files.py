"""Small original MR cases on disk for Django-level tests (ingest, DICOMweb, permissions).

Each case is one patient with one sagittal series of a few 16×16 slices, PHI planted, so that
ingest, blinding and serving can be exercised in milliseconds. The realistic phantom lives in
``fixtures.phantom`` and is used where anatomy or size matters.
"""

from __future__ import annotations

from pathlib import Path

from pydicom import Dataset

from tests.dicom_tests.builders import pixel_values, synthetic_mr, to_bytes

UID_ROOT = "1.2.826.0.1.3680043.8.498"


def case_datasets(
    patient: str, *, slices: int = 3, rows: int = 16, columns: int = 16
) -> list[Dataset]:
    """One patient's sagittal series; UIDs and PHI derive from ``patient``."""
    number = sum(ord(c) * 31**i for i, c in enumerate(patient)) % 10**9
    study_uid = f"{UID_ROOT}.5.{number}"
    series_uid = f"{study_uid}.1"
    datasets = []
    for index in range(slices):
        ds = synthetic_mr(rows=rows, columns=columns)
        ds.PatientID = f"MRN-{patient}"
        ds.PatientName = f"SECRET^{patient}"
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series_uid
        ds.FrameOfReferenceUID = f"{study_uid}.9"
        ds.SOPInstanceUID = f"{series_uid}.{index + 1}"
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.InstanceNumber = index + 1
        ds.ImagePositionPatient = [str(-4 + 4 * index), "-100", "128"]
        ds.SliceLocation = str(-4 + 4 * index)
        # Distinct pixels per slice so frame tests can tell slices apart.
        ds.PixelData = ((pixel_values(rows, columns) + 97 * index) % 4096).astype("<u2").tobytes()
        del ds.ReferencedImageSequence
        datasets.append(ds)
    return datasets


def write_case(directory: Path, patient: str, **kwargs) -> list[Dataset]:
    directory.mkdir(parents=True, exist_ok=True)
    datasets = case_datasets(patient, **kwargs)
    for ds in datasets:
        (directory / f"{patient}-{ds.InstanceNumber}.dcm").write_bytes(to_bytes(ds))
    return datasets
