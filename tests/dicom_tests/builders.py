"""Test inputs built in code: synthetic MR with planted PHI, bundled files, zips.

No DICOM is committed; everything is generated per test (imaging.md §7).
"""

from __future__ import annotations

import io
import stat
import struct
import zipfile
from pathlib import Path

import numpy as np
from pydicom import Dataset, FileMetaDataset, Sequence, dcmread
from pydicom.data import get_testdata_file
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage

KEY = b"test-project-secret"
OTHER_KEY = b"another-project-secret"
ORIGINAL_UIDS = {
    "SOPInstanceUID": "1.2.826.0.1.3680043.8.498.1001",
    "StudyInstanceUID": "1.2.826.0.1.3680043.8.498.2001",
    "SeriesInstanceUID": "1.2.826.0.1.3680043.8.498.3001",
    "FrameOfReferenceUID": "1.2.826.0.1.3680043.8.498.4001",
}
REFERENCED_UID = "1.2.826.0.1.3680043.8.498.1002"
# Strings that must never survive blinding, in any encoding of the file.
PLANTED = (
    "SECRET^NAME",
    "SECRET",
    "MRN-PLANTED-42",
    "PLANTED HOSPITAL",
    "AI says severe stenosis John",
    "stenosis",
    "John",
    "PRIVATE-PHI-TEXT",
    "Dr^Referrer",
    "ACC-PLANTED-7",
    "19610203",
    "20240102",
    "SERIAL-PLANTED-99",
    "1.2.826.0.1.3680043.8.498",
)


def synthetic_mr(*, rows: int = 16, columns: int = 16, frames: int = 1) -> Dataset:
    """Return an original sagittal T2 MR image with PHI planted everywhere."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = MRImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = ORIGINAL_UIDS["SOPInstanceUID"]
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "ND"]
    ds.SOPClassUID = MRImageStorage
    for keyword, uid in ORIGINAL_UIDS.items():
        setattr(ds, keyword, uid)
    ds.Modality = "MR"
    # Identity, dates and free text that blinding must drop or empty.
    ds.PatientName = "SECRET^NAME"
    ds.PatientID = "MRN-PLANTED-42"
    ds.PatientBirthDate = "19610203"
    ds.PatientSex = "F"
    ds.PatientAge = "063Y"
    ds.PatientWeight = "71"
    ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = "20240102"
    ds.StudyTime = ds.SeriesTime = "101500"
    ds.AccessionNumber = "ACC-PLANTED-7"
    ds.StudyID = "SECRET-STUDY"
    ds.ReferringPhysicianName = "Dr^Referrer"
    ds.InstitutionName = "PLANTED HOSPITAL"
    ds.StationName = "PLANTED-MR1"
    ds.DeviceSerialNumber = "SERIAL-PLANTED-99"
    ds.OperatorsName = "SECRET^OPERATOR"
    ds.SeriesDescription = "AI says severe stenosis John"
    ds.ProtocolName = "AI says severe stenosis John"
    ds.ImageComments = "pt name John, severe stenosis"
    ds.InstanceCreatorUID = "1.2.826.0.1.3680043.8.498.9001"
    # Private block with a leak, as vendors' AI results do.
    block = ds.private_block(0x0011, "PLANTED VENDOR", create=True)
    block.add_new(0x01, "LO", "PRIVATE-PHI-TEXT")
    request = Dataset()
    request.RequestedProcedureDescription = "SECRET stenosis John"
    request.StudyInstanceUID = ORIGINAL_UIDS["StudyInstanceUID"]
    ds.RequestAttributesSequence = Sequence([request])
    reference = Dataset()
    reference.ReferencedSOPClassUID = MRImageStorage
    reference.ReferencedSOPInstanceUID = REFERENCED_UID
    reference.ReferencedFrameNumber = 1
    reference.ReferencedSOPSequence = Sequence()  # nested junk to be dropped
    ds.ReferencedImageSequence = Sequence([reference])
    # Acquisition and geometry that blinding must keep.
    ds.BodyPartExamined = "LSPINE"
    ds.ScanningSequence = "SE"
    ds.SequenceVariant = "SK"
    ds.ScanOptions = ""
    ds.MRAcquisitionType = "2D"
    ds.SliceThickness = "3.5"
    ds.RepetitionTime = "3000"
    ds.EchoTime = "100"
    ds.EchoTrainLength = "17"
    ds.FlipAngle = "150"
    ds.MagneticFieldStrength = "1.5"
    ds.ImagingFrequency = "63.87"
    ds.PatientPosition = "HFS"
    ds.SeriesNumber = "3"
    ds.AcquisitionNumber = "1"
    ds.InstanceNumber = "7"
    ds.ImagePositionPatient = ["-4", "-100", "128"]
    ds.ImageOrientationPatient = ["0", "1", "0", "0", "0", "-1"]
    ds.SliceLocation = "-4"
    ds.PixelSpacing = ["1", "1"]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = rows
    ds.Columns = columns
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.WindowCenter = "600"
    ds.WindowWidth = "1600"
    ds.RescaleIntercept = "0"
    ds.RescaleSlope = "1"
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.PixelData = pixel_values(rows, columns, frames).tobytes()
    return ds


def pixel_values(rows: int, columns: int, frames: int = 1) -> np.ndarray:
    """Distinct little-endian values per pixel and frame (uint16 < 4096)."""
    values = np.arange(frames * rows * columns, dtype="<u2") * 7 % 4096
    return values.reshape(frames, rows, columns) if frames > 1 else values.reshape(rows, columns)


def to_bytes(ds: Dataset) -> bytes:
    """Encode as Part 10 in the transfer syntax named by the file meta."""
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def bundled(name: str, **attributes: object) -> Dataset:
    """Read one of pydicom's bundled files and override some attributes."""
    ds = dcmread(get_testdata_file(name))
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    return ds


def original_testdata(name: str) -> Dataset:
    """A bundled MR file made to look like an original acquisition."""
    return bundled(name, ImageType=["ORIGINAL", "PRIMARY", "OTHER"])


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, zipfile.ZIP_DEFLATED)
    return path


def write_symlink_zip(path: Path) -> Path:
    info = zipfile.ZipInfo("PAT1/link.dcm")
    info.create_system = 3  # Unix, so external_attr carries the mode
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(info, "../../etc/passwd")
    return path


def patch_zip_headers(path: Path, *, set_flags: int = 0, declared_size: int | None = None) -> Path:
    """Rewrite local and central headers of a zip: flag bits and sizes.

    zipfile cannot write encrypted members or lie about sizes, so tests patch
    the headers directly (local: flags at +6, size at +22; central: +8, +24).
    """
    data = bytearray(path.read_bytes())
    for signature, flag_at, size_at in ((b"PK\x03\x04", 6, 22), (b"PK\x01\x02", 8, 24)):
        start = data.find(signature)
        while start != -1:
            (flags,) = struct.unpack_from("<H", data, start + flag_at)
            struct.pack_into("<H", data, start + flag_at, flags | set_flags)
            if declared_size is not None:
                struct.pack_into("<L", data, start + size_at, declared_size)
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))
    return path
