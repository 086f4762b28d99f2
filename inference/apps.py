from django.apps import AppConfig


class InferenceConfig(AppConfig):
    """The Django side of the DL reader: model runs and their per-case jobs.

    The model itself (networks, weights, predictor, training) is pure torch and never imports
    Django; this app only walks a model reader's assignments and submits its reads.
    """

    name = "inference"
    label = "inference"
    default_auto_field = "django.db.models.BigAutoField"
