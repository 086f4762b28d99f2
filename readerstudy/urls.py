from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from grading import api as grading_api
from grading.reports import api as reports_api
from grading.reports import views as report_views
from inference import api as inference_api
from readerstudy import views
from readerstudy.imaging import dicomweb
from readerstudy.imaging.urls import dicomweb_patterns
from readerstudy.studies import api as studies_api

STUDY = "studies/<slug:slug>"

api_patterns = [
    path("protocol-templates/", studies_api.ProtocolTemplatesApi.as_view()),
    path("studies/", studies_api.StudyListCreateApi.as_view()),
    path(f"{STUDY}/", studies_api.StudyDetailApi.as_view()),
    path(f"{STUDY}/transition/", studies_api.StudyTransitionApi.as_view()),
    path(f"{STUDY}/cases/", studies_api.CaseListApi.as_view()),
    path(f"{STUDY}/cases/import/", studies_api.CaseImportApi.as_view()),
    path(f"{STUDY}/members/", studies_api.MemberListCreateApi.as_view()),
    path(f"{STUDY}/readers/", studies_api.ReaderListCreateApi.as_view()),
    path(f"{STUDY}/reference/", studies_api.ReferenceApi.as_view()),
    path(f"{STUDY}/sessions/", studies_api.SessionListCreateApi.as_view()),
    path(f"{STUDY}/sessions/<int:number>/assign/", studies_api.SessionAssignApi.as_view()),
    path(f"{STUDY}/assignments/", studies_api.AssignmentListApi.as_view()),
    path(f"{STUDY}/audit/", studies_api.AuditListApi.as_view()),
    path(f"{STUDY}/reads/", grading_api.StudyReadListApi.as_view()),
    path(f"{STUDY}/reads/<int:read_id>/amend/", grading_api.ReadAmendApi.as_view()),
    path(f"{STUDY}/truth/", grading_api.TruthApi.as_view()),
    path(f"{STUDY}/model-runs/", inference_api.ModelRunListCreateApi.as_view()),
    path(f"{STUDY}/model-runs/<int:run_id>/", inference_api.ModelRunDetailApi.as_view()),
    path(f"{STUDY}/reports/", reports_api.ReportRunListCreateApi.as_view()),
    path(f"{STUDY}/reports/<int:run_id>/", reports_api.ReportRunDetailApi.as_view()),
    path("worklist/", grading_api.WorklistApi.as_view()),
    path(
        "assignments/<str:code>/",
        grading_api.AssignmentDetailApi.as_view(),
        name="api-assignment",
    ),
    path(
        "assignments/<str:code>/draft/", grading_api.DraftApi.as_view(), name="api-assignment-draft"
    ),
    path(
        "assignments/<str:code>/submit/",
        grading_api.SubmitApi.as_view(),
        name="api-assignment-submit",
    ),
    path("my/reads/", grading_api.MyReadsApi.as_view()),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("read/next/", views.read_next, name="read-next"),
    path("read/<str:code>/", views.read, name="read"),
    path(f"{STUDY}/report/", report_views.report_page, name="report"),
    path(f"{STUDY}/report/start/", report_views.report_start, name="report-start"),
    path(
        f"{STUDY}/reports/<int:run_id>/files/<path:path>",
        report_views.report_file,
        name="report-file",
    ),
    path(f"{STUDY}/reports/<int:run_id>/download.zip", report_views.report_zip, name="report-zip"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("dicomweb/", include(dicomweb_patterns)),
    path("wado", dicomweb.wado_uri, name="wado-uri"),
]
