"""Vietnamese number format: 1.234.567,8 (Django's own `vi` locale leaves thousands ungrouped).

Grouping applies where a page asks for it (`number_format(..., force_grouping=True)`, `intcomma`,
`floatformat:"1g"`); identifiers and form values stay plain because USE_THOUSAND_SEPARATOR is off.
"""

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
