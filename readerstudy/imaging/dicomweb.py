"""A DICOMweb subset over the blinded store: QIDO-RS, WADO-RS (metadata, frames, instances)
and WADO-URI, readable by standard clients (dicomweb-client, OHIF, cornerstone).

Every view answers only for cases the caller may see (:func:`image_visible_cases`): a
reader's assigned cases in open sessions, a coordinator's studies. Anything else is a 404,
so a UID's existence does not leak. Pixel bytes are immutable per pseudonymous UID and sent
with a strong ETag; headers and lists are never cached.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from readerstudy.imaging.frames import NO_STORE, PIXEL_CACHE, frame_reply, multipart_reply
from readerstudy.imaging.models import Instance, Series
from readerstudy.imaging.selectors import token_user_id
from readerstudy.studies.selectors import image_visible_cases

DICOM_JSON = "application/dicom+json"


def _error(status: int, message: str) -> JsonResponse:
    response = JsonResponse(
        {"error": {"code": str(status), "message": message, "fields": {}}}, status=status
    )
    response["Cache-Control"] = NO_STORE
    return response


def dicomweb_view(view: Callable | None = None, *, full_user: bool = True) -> Callable:
    """GET only; session or ``Authorization: Token`` auth; 401 without credentials.

    Views get ``request.caller_id``; with ``full_user`` they also get ``request.user`` as a
    model instance (the ORM selectors want it). The frames view skips that load.
    """
    if view is None:
        return lambda v: dicomweb_view(v, full_user=full_user)

    @require_GET
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Token "):
            if full_user:
                try:
                    result = TokenAuthentication().authenticate(request)
                except AuthenticationFailed as exc:
                    return _error(401, str(exc.detail))
                request.user = result[0]
                request.caller_id = request.user.pk
            else:
                request.caller_id = token_user_id(header[len("Token ") :].strip())
                if request.caller_id is None:
                    return _error(401, "Invalid token.")
        elif request.user.is_authenticated:
            request.caller_id = request.user.pk
        else:
            response = _error(401, "Authentication credentials were not provided.")
            response["WWW-Authenticate"] = "Token"
            return response
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return _error(404, "Not found.")

    return wrapper


def _element(vr: str, *values) -> dict:
    present = [value for value in values if value is not None and value != ""]
    return {"vr": vr, "Value": present} if present else {"vr": vr}


def _json(payload: list) -> HttpResponse:
    response = JsonResponse(payload, safe=False, content_type=DICOM_JSON)
    response["Cache-Control"] = NO_STORE
    return response


def _paginate(request: HttpRequest, items: list) -> list:
    try:
        offset = max(int(request.GET.get("offset", 0)), 0)
        limit = int(request.GET.get("limit", 0)) or None
    except ValueError:
        offset, limit = 0, None
    return items[offset : offset + limit if limit else None]


def _visible_series(request: HttpRequest, study_uid: str):
    return Series.objects.filter(
        case__study_instance_uid=study_uid, case__in=image_visible_cases(request.user)
    )


def _visible_instances(request: HttpRequest, study_uid: str, series_uid: str):
    return Instance.objects.filter(
        series__series_instance_uid=series_uid,
        series__case__study_instance_uid=study_uid,
        series__case__in=image_visible_cases(request.user),
    )


@dicomweb_view
def qido_studies(request: HttpRequest) -> HttpResponse:
    cases = image_visible_cases(request.user)
    wanted = request.GET.get("StudyInstanceUID") or request.GET.get("0020000D")
    if wanted:
        cases = cases.filter(study_instance_uid__in=wanted.replace("\\", ",").split(","))
    rows: dict[str, dict] = {}
    counts = (
        Series.objects.filter(case__in=cases)
        .values("case__study_instance_uid")
        .annotate(series=Count("id", distinct=True), instances=Count("instances"))
    )
    for row in counts.order_by("case__study_instance_uid"):
        uid = row["case__study_instance_uid"]
        rows.setdefault(
            uid,
            {
                "0020000D": _element("UI", uid),
                "00080061": _element("CS", "MR"),
                "00080020": _element("DA"),
                "00100010": _element("PN"),
                "00100020": _element("LO"),
                "00201206": _element("IS", row["series"]),
                "00201208": _element("IS", row["instances"]),
            },
        )
    return _json(_paginate(request, list(rows.values())))


@dicomweb_view
def qido_series(request: HttpRequest, study_uid: str) -> HttpResponse:
    series = (
        _visible_series(request, study_uid).annotate(n=Count("instances")).order_by("number", "id")
    )
    payload = []
    seen = set()
    for item in series:
        if item.series_instance_uid in seen:
            continue
        seen.add(item.series_instance_uid)
        payload.append(
            {
                "0020000D": _element("UI", study_uid),
                "0020000E": _element("UI", item.series_instance_uid),
                "00080060": _element("CS", item.modality),
                "0008103E": _element("LO", item.label),
                "00200011": _element("IS", item.number),
                "00201209": _element("IS", item.n),
            }
        )
    if (
        not payload
        and not image_visible_cases(request.user).filter(study_instance_uid=study_uid).exists()
    ):
        raise Http404
    return _json(_paginate(request, payload))


@dicomweb_view
def qido_instances(request: HttpRequest, study_uid: str, series_uid: str) -> HttpResponse:
    instances = list(
        _visible_instances(request, study_uid, series_uid).order_by("instance_number", "id")
    )
    if not instances:
        raise Http404
    payload = [
        {
            "0020000D": _element("UI", study_uid),
            "0020000E": _element("UI", series_uid),
            "00080016": _element("UI", instance.sop_class_uid),
            "00080018": _element("UI", instance.sop_instance_uid),
            "00200013": _element("IS", instance.instance_number),
            "00280010": _element("US", instance.rows),
            "00280011": _element("US", instance.columns),
            "00280008": _element("IS", instance.number_of_frames),
        }
        for instance in instances
    ]
    return _json(_paginate(request, payload))


def _with_bulkdata_uri(
    request: HttpRequest, instance: Instance, study_uid: str, series_uid: str
) -> dict:
    metadata = dict(instance.metadata)
    base = request.build_absolute_uri(
        f"/dicomweb/studies/{study_uid}/series/{series_uid}/instances/{instance.sop_instance_uid}"
    )
    metadata["7FE00010"] = {"vr": "OW", "BulkDataURI": f"{base}/frames/1"}
    return metadata


@dicomweb_view
def wado_series_metadata(request: HttpRequest, study_uid: str, series_uid: str) -> HttpResponse:
    instances = list(
        _visible_instances(request, study_uid, series_uid).order_by("instance_number", "id")
    )
    if not instances:
        raise Http404
    return _json([_with_bulkdata_uri(request, i, study_uid, series_uid) for i in instances])


@dicomweb_view
def wado_instance_metadata(
    request: HttpRequest, study_uid: str, series_uid: str, instance_uid: str
) -> HttpResponse:
    instance = (
        _visible_instances(request, study_uid, series_uid)
        .filter(sop_instance_uid=instance_uid)
        .first()
    )
    if instance is None:
        raise Http404
    return _json([_with_bulkdata_uri(request, instance, study_uid, series_uid)])


def _not_modified(request: HttpRequest, etag: str) -> HttpResponse | None:
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
        response["ETag"] = etag
        response["Cache-Control"] = PIXEL_CACHE
        return response
    return None


@dicomweb_view(full_user=False)
def wado_frames(
    request: HttpRequest, study_uid: str, series_uid: str, instance_uid: str, frames: str
) -> HttpResponse:
    reply = frame_reply(
        user_id=request.caller_id,
        study_uid=study_uid,
        series_uid=series_uid,
        instance_uid=instance_uid,
        frames=frames,
        if_none_match=request.headers.get("If-None-Match", ""),
        accept=request.headers.get("Accept", "*/*"),
    )
    response = HttpResponse(reply.body, status=reply.status)
    for name, value in reply.headers.items():
        response[name] = value
    return response


def _instance_file(
    request: HttpRequest, study_uid: str, series_uid: str, instance_uid: str
) -> Instance:
    instance = (
        _visible_instances(request, study_uid, series_uid)
        .filter(sop_instance_uid=instance_uid)
        .only("path", "sha256")
        .first()
    )
    if instance is None:
        raise Http404
    return instance


@dicomweb_view
def wado_instance(
    request: HttpRequest, study_uid: str, series_uid: str, instance_uid: str
) -> HttpResponse:
    instance = _instance_file(request, study_uid, series_uid, instance_uid)
    etag = f'"{instance.sha256[:40]}"'
    if cached := _not_modified(request, etag):
        return cached
    data = (settings.BLINDED_STORE / instance.path).read_bytes()
    # As for frames, the file's own digest cannot occur inside it: a safe, stable boundary.
    reply = multipart_reply([data], "application/dicom", boundary=instance.sha256[:40])
    response = HttpResponse(reply.body, content_type=reply.headers["Content-Type"])
    response["ETag"] = etag
    response["Cache-Control"] = PIXEL_CACHE
    return response


@dicomweb_view
def wado_uri(request: HttpRequest) -> HttpResponse:
    """WADO-URI (PS3.18 §9): ``/wado?requestType=WADO&studyUID=…&seriesUID=…&objectUID=…``."""
    params = request.GET
    if params.get("requestType") != "WADO":
        return _error(400, "requestType must be WADO.")
    missing = [name for name in ("studyUID", "seriesUID", "objectUID") if not params.get(name)]
    if missing:
        return _error(400, f"Missing parameter(s): {', '.join(missing)}.")
    content_type = params.get("contentType", "application/dicom")
    if content_type != "application/dicom":
        return _error(406, "Only contentType=application/dicom is served.")
    instance = _instance_file(request, params["studyUID"], params["seriesUID"], params["objectUID"])
    etag = f'"{instance.sha256[:40]}"'
    if cached := _not_modified(request, etag):
        return cached
    response = FileResponse(
        open(settings.BLINDED_STORE / instance.path, "rb"), content_type="application/dicom"
    )
    response["ETag"] = etag
    response["Cache-Control"] = PIXEL_CACHE
    return response
