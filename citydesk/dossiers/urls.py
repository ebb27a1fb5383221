"""Pages of the one-stop subsystem (included at the site root): officers under /mot-cua/, citizens
under /ho-so/."""

from django.urls import path

from citydesk.dossiers import views
from citydesk.dossiers.views import slips

app_name = "dossiers"

urlpatterns = [
    # Officers: the desk, the queue, a dossier's page, its actions, papers and receipt.
    path("mot-cua/", views.desk, name="desk"),
    path("mot-cua/ho-so/", views.queue, name="queue"),
    path("mot-cua/ho-so/<str:code>/", views.dossier_page, name="dossier"),
    path("mot-cua/ho-so/<str:code>/thao-tac/", views.dossier_action, name="action"),
    path("mot-cua/ho-so/<str:code>/ghi-chu/", views.dossier_note_view, name="note"),
    path("mot-cua/ho-so/<str:code>/da-tiep-nhan/", views.received, name="received"),
    path("mot-cua/ho-so/<str:code>/danh-gia/", views.rating_open, name="rating_open"),
    path("mot-cua/ho-so/<str:code>/bien-nhan.pdf", views.receipt, name="receipt"),
    path("mot-cua/ho-so/<str:code>/giay-to/<int:pk>/", views.officer_document, name="document"),
    # The one-stop slips (Circular 01/2018/TT-VPCP), the apology for a late dossier, the signed result.
    path(
        "mot-cua/ho-so/<str:code>/phieu-bo-sung.pdf",
        slips.slip,
        {"kind": "supplement"},
        name="slip_supplement",
    ),
    path("mot-cua/ho-so/<str:code>/phieu-tu-choi.pdf", slips.slip, {"kind": "refusal"}, name="slip_refusal"),
    path("mot-cua/ho-so/<str:code>/phieu-xin-loi.pdf", slips.slip, {"kind": "apology"}, name="slip_apology"),
    path("mot-cua/ho-so/<str:code>/xin-loi/", slips.apology, name="apology"),
    path("mot-cua/ho-so/<str:code>/ket-qua/", slips.officer_result, name="result_file"),
    path("mot-cua/ho-so/<str:code>/ket-qua/dinh-kem/", slips.result_attach, name="result_attach"),
    # Citizens: filing online, paying, looking a dossier up.
    path("ho-so/nop/<str:procedure_code>/", views.file_online, name="file"),
    path("ho-so/da-nop/<str:code>/", views.filed, name="filed"),
    path("ho-so/da-nop/<str:code>/thanh-toan/", views.pay_start, name="pay_start"),
    path("ho-so/thanh-toan/<str:reference>/", views.pay, name="pay"),
    path("ho-so/tra-cuu/", views.lookup, name="lookup"),
    path("ho-so/tra-cuu/<str:code>/", views.track, name="track"),
    path("ho-so/tra-cuu/<str:code>/bo-sung/", views.supplement, name="supplement"),
    path("ho-so/tra-cuu/<str:code>/rut/", views.withdraw, name="withdraw"),
    path("ho-so/tra-cuu/<str:code>/giay-to/<int:pk>/", views.applicant_document, name="applicant_document"),
    path("ho-so/tra-cuu/<str:code>/ket-qua/", slips.applicant_result, name="applicant_result"),
]
