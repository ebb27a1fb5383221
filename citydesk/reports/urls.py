"""Pages of the 1022 system (report form, hotline screen, tracking, officer queue)."""

app_name = "reports"

urlpatterns: list = []
