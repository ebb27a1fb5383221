from tests.indicators.reports import reports_sent  # noqa: F401  (a fixture)
