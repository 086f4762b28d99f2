from django.urls import path

from readerstudy.imaging import dicomweb

STUDY = "studies/<str:study_uid>"
SERIES = f"{STUDY}/series/<str:series_uid>"
INSTANCE = f"{SERIES}/instances/<str:instance_uid>"

dicomweb_patterns = [
    path("studies", dicomweb.qido_studies, name="qido-studies"),
    path(f"{STUDY}/series", dicomweb.qido_series, name="qido-series"),
    path(f"{SERIES}/instances", dicomweb.qido_instances, name="qido-instances"),
    path(f"{SERIES}/metadata", dicomweb.wado_series_metadata, name="wado-series-metadata"),
    path(f"{INSTANCE}/metadata", dicomweb.wado_instance_metadata, name="wado-instance-metadata"),
    path(f"{INSTANCE}/frames/<str:frames>", dicomweb.wado_frames, name="wado-frames"),
    path(INSTANCE, dicomweb.wado_instance, name="wado-instance"),
]
