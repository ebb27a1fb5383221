"""English pages of a Vietnamese city: dates are typed and written day first, as in Vietnam.

Django's own `en` input formats read "09/11/2026" as 11 September; an officer of the city reading an
English page means 9 November, and the date fields say dd/mm/yyyy. Dates are written the same way
(Django's `en` wrote "Nov. 24, 2026, 12:21 p.m." in the back office and wherever a date has no format of
its own). Numbers are Django's `en` (1,234.5).
"""

DATE_FORMAT = "d/m/Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"

DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 09/11/2026
    "%d-%m-%Y",  # 09-11-2026
    "%d.%m.%Y",  # 09.11.2026
    "%Y-%m-%d",  # 2026-11-09 (ISO, as links and the API write them)
]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
]
