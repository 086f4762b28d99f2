from django.apps import AppConfig


class ImagingConfig(AppConfig):
    name = "readerstudy.imaging"
    label = "imaging"
