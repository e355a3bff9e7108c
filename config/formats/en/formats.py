# "December 1, 2026"; "Dec 1, 2026, 14:05": a 24-hour clock, as the site always wrote it.
DATE_FORMAT = "F j, Y"
SHORT_DATE_FORMAT = "M j, Y"
DATETIME_FORMAT = "F j, Y, H:i"
SHORT_DATETIME_FORMAT = "M j, Y, H:i"
MONTH_DAY_FORMAT = "M j"
TIME_FORMAT = "H:i"
