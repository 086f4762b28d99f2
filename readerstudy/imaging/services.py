"""DICOM ingest: validate → group by patient → blind → store → index, one case at a time.

A case is imported whole or not at all: its blinded files are written first, then indexed in
one transaction; if anything fails the transaction rolls back and the files just written are
removed. By default any rejected file stops the whole import before anything is written
(``skip_rejected`` imports the acceptable cases and reports the rest).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from pydicom import Dataset

from grading.services import truth_import
from readerstudy.api_errors import ApplicationError
from readerstudy.audit.services import Actor, audit_record
from readerstudy.imaging.dicom.archive import iter_dicom_sources
from readerstudy.imaging.dicom.blinding import (
    blind_dataset,
    patient_pseudonym,
    pseudonymous_uid,
    series_label,
)
from readerstudy.imaging.dicom.dicomjson import metadata_json
from readerstudy.imaging.dicom.errors import RejectedFile
from readerstudy.imaging.dicom.storage import write_blinded
from readerstudy.imaging.dicom.validation import patient_key, read_validated, study_key
from readerstudy.imaging.models import Instance, Series
from readerstudy.studies.models import Case, Study, StudyState

logger = logging.getLogger("readerstudy.imaging")


@dataclass
class Rejection:
    name: str
    code: str
    message: str


@dataclass
class ImportedCase:
    code: str
    created: bool
    series: dict[str, int]  # neutral label → instances added
    instances_added: int
    instances_present: int  # already in the store from an earlier import (stable UIDs)
    truth_sites: int = 0


@dataclass
class ImportReport:
    cases: list[ImportedCase] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    aborted: bool = False  # True: nothing was imported because of rejections

    @property
    def instances_added(self) -> int:
        return sum(case.instances_added for case in self.cases)

    def as_dict(self) -> dict:
        return {
            "aborted": self.aborted,
            "cases": [vars(case) for case in self.cases],
            "rejected": [vars(rejection) for rejection in self.rejected],
            "instances_added": self.instances_added,
        }


@dataclass
class _Accepted:
    name: str
    dataset: Dataset


def uid_key() -> bytes:
    key = settings.READERSTUDY_UID_KEY
    if not key:
        raise ApplicationError(
            "READERSTUDY_UID_KEY is not configured: set it in the environment or in var/uid_key "
            "(make demo creates one). It must stay the same for the life of the deployment.",
            code="uid_key_missing",
        )
    return key.encode()


def load_truth_dir(truth_dir: Path | None) -> dict[str, dict]:
    """Phantom truth side-cars, indexed by the original StudyInstanceUID."""
    if truth_dir is None:
        return {}
    truth_dir = Path(truth_dir)
    if not truth_dir.is_dir():
        raise ApplicationError(f"Truth folder {truth_dir} does not exist.", code="truth")
    truths = {}
    for path in sorted(truth_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text())
            truths[data["study_instance_uid"]] = data
        except (ValueError, KeyError, TypeError) as exc:
            raise ApplicationError(f"Truth file {path.name} is not valid: {exc}", code="truth")
    return truths


def _collect(paths: list[Path], report: ImportReport) -> list[_Accepted]:
    limits = settings.READERSTUDY_IMPORT_LIMITS
    accepted = []
    for path in paths:
        if not path.exists():
            report.rejected.append(Rejection(str(path), "missing", f"{path} does not exist."))
            continue
        try:
            for name, data in iter_dicom_sources([path], **limits):
                try:
                    accepted.append(_Accepted(name, read_validated(data, name=name)))
                except RejectedFile as exc:
                    report.rejected.append(Rejection(name, exc.code, exc.message))
        except RejectedFile as exc:  # the whole archive is refused before any member is used
            report.rejected.append(Rejection(path.name, exc.code, exc.message))
    return accepted


def _group_by_patient(files: list[_Accepted], report: ImportReport) -> dict[str, list[_Accepted]]:
    by_study: dict[str, list[_Accepted]] = defaultdict(list)
    for item in files:
        if not patient_key(item.dataset):
            # Without any identity the file cannot be placed in a case; never guess.
            report.rejected.append(
                Rejection(
                    item.name,
                    "no_patient_identity",
                    "It has no PatientID, name or birth date, so its patient is unknown.",
                )
            )
            continue
        by_study[study_key(item.dataset)].append(item)
    by_patient: dict[str, list[_Accepted]] = defaultdict(list)
    for items in by_study.values():
        patients = {patient_key(item.dataset) for item in items}
        if len(patients) > 1:
            for item in items:
                report.rejected.append(
                    Rejection(
                        item.name,
                        "mixed_patients",
                        f"Its imaging study holds {len(patients)} different patients; "
                        "a case must be one patient.",
                    )
                )
            continue
        by_patient[patients.pop()].extend(items)
    for patient, items in list(by_patient.items()):
        studies = {study_key(item.dataset) for item in items}
        if len(studies) > 1:
            del by_patient[patient]
            for item in items:
                report.rejected.append(
                    Rejection(
                        item.name,
                        "several_studies",
                        f"The patient has {len(studies)} imaging studies in this import; "
                        "import one study per patient and case.",
                    )
                )
    return by_patient


def _import_case(
    *,
    actor: Actor,
    study: Study,
    key: bytes,
    patient: str,
    items: list[_Accepted],
    case_set: str,
    truth: dict | None,
) -> ImportedCase:
    pseudonym = patient_pseudonym(patient, key=key)
    study_uid = pseudonymous_uid(study_key(items[0].dataset), key=key)
    written: list[Path] = []
    try:
        with transaction.atomic():
            case, created = Case.objects.get_or_create(
                study=study,
                patient_pseudonym=pseudonym,
                defaults={"study_instance_uid": study_uid, "case_set": case_set},
            )
            if created:
                case.full_clean()
            present = set(
                Instance.objects.filter(series__case=case).values_list(
                    "sop_instance_uid", flat=True
                )
            )
            labels: dict[str, str] = {}
            series_rows: dict[str, Series] = {s.series_instance_uid: s for s in case.series.all()}
            added: dict[str, int] = defaultdict(int)
            n_present = 0
            for item in sorted(
                items,
                key=lambda i: (
                    str(i.dataset.SeriesInstanceUID),
                    int(i.dataset.get("InstanceNumber") or 0),
                ),
            ):
                original_series = str(item.dataset.SeriesInstanceUID)
                if original_series not in labels:
                    labels[original_series] = series_label(item.dataset)
                blinded = blind_dataset(item.dataset, key=key, series_label=labels[original_series])
                if blinded.SOPInstanceUID in present:
                    n_present += 1
                    continue
                present.add(blinded.SOPInstanceUID)
                series = series_rows.get(blinded.SeriesInstanceUID)
                if series is None:
                    series = Series.objects.create(
                        case=case,
                        series_instance_uid=blinded.SeriesInstanceUID,
                        label=labels[original_series],
                        number=blinded.get("SeriesNumber"),
                        modality=blinded.Modality,
                        frame_of_reference_uid=blinded.get("FrameOfReferenceUID", ""),
                    )
                    series_rows[series.series_instance_uid] = series
                relative = Path(
                    str(study.pk),
                    case.code,
                    series.series_instance_uid,
                    f"{blinded.SOPInstanceUID}.dcm",
                )
                target = settings.BLINDED_STORE / relative
                info = write_blinded(blinded, target)
                written.append(target)
                Instance.objects.create(
                    series=series,
                    sop_instance_uid=blinded.SOPInstanceUID,
                    sop_class_uid=blinded.SOPClassUID,
                    instance_number=blinded.get("InstanceNumber"),
                    path=str(relative),
                    size=info.size,
                    sha256=info.sha256,
                    transfer_syntax_uid=info.transfer_syntax_uid,
                    pixel_data_offset=info.pixel_data_offset,
                    pixel_data_length=info.pixel_data_length,
                    number_of_frames=info.number_of_frames,
                    frame_length=info.frame_length,
                    rows=blinded.Rows,
                    columns=blinded.Columns,
                    metadata=metadata_json(blinded),
                )
                added[series.label] += 1
            truth_sites = 0
            if truth is not None:
                source = f"phantom {truth.get('phantom_version', '?')} seed {truth.get('seed')}"
                truth_sites = len(truth_import(actor=actor, case=case, truth=truth, source=source))
            n_added = sum(added.values())
            if n_added:
                audit_record(
                    actor=actor,
                    action="case.import" if created else "case.add_instances",
                    obj=case,
                    study=study,
                    new={"case": case.code, "case_set": case.case_set, "series": dict(added)},
                )
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return ImportedCase(
        code=case.code,
        created=created,
        series=dict(added),
        instances_added=n_added,
        instances_present=n_present,
        truth_sites=truth_sites,
    )


def dicom_import(
    *,
    actor: Actor,
    study: Study,
    paths: list[Path],
    case_set: str = "internal",
    truth_dir: Path | None = None,
    skip_rejected: bool = False,
) -> ImportReport:
    """Import folders, zips or files of DICOM into ``study``; one case per patient."""
    if study.state == StudyState.LOCKED:
        raise ApplicationError("The study is locked; no cases can be added.", code="locked")
    key = uid_key()
    truths = load_truth_dir(truth_dir)
    report = ImportReport()
    accepted = _collect([Path(p) for p in paths], report)
    groups = _group_by_patient(accepted, report)
    if report.rejected and not skip_rejected:
        report.aborted = True
        return report
    if not groups and not report.rejected:
        report.rejected.append(Rejection("(input)", "empty", "No DICOM files were found."))
        report.aborted = True
        return report
    for patient, items in groups.items():
        truth = truths.get(study_key(items[0].dataset))
        report.cases.append(
            _import_case(
                actor=actor,
                study=study,
                key=key,
                patient=patient,
                items=items,
                case_set=case_set,
                truth=truth,
            )
        )
        logger.info(
            "imported case %s (%d instances)",
            report.cases[-1].code,
            report.cases[-1].instances_added,
        )
    return report
