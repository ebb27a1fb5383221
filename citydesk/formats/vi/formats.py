"""Vietnamese formats: dates as 23/11/2026 and 23/11/2026 14:05; numbers as 1.234.567,8.

Django's own `vi` locale writes dates in words ("14:05 Ngày 23 tháng 11 năm 2026") and leaves the input
formats to the US defaults, which read "04/12/2026" as 12 April. Day first here, as everywhere in
Vietnam; ISO dates (2026-12-04, what `<input type="date">` sends) are still accepted.

Number grouping applies where a page asks for it (`number_format(..., force_grouping=True)`, `intcomma`,
`floatformat:"1g"`); identifiers and form values stay plain because USE_THOUSAND_SEPARATOR is off.
"""

DATE_FORMAT = "d/m/Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

# The first format is the one the back office writes in its fields and date pickers.
DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 23/11/2026
    "%d-%m-%Y",  # 23-11-2026
    "%d.%m.%Y",  # 23.11.2026
    "%Y-%m-%d",  # 2026-11-23 (ISO, <input type="date">)
]
TIME_INPUT_FORMATS = [
    "%H:%M",  # 14:05
    "%H:%M:%S",  # 14:05:30
    "%H:%M:%S.%f",
]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%Y-%m-%d %H:%M:%S",  # ISO
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",  # <input type="datetime-local">
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
]

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
