"""Open311 GeoReport v2 endpoints (filled in by the Open311 module)."""

urlpatterns: list = []
