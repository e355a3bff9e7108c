# "1 de diciembre de 2026"; "1 dic. 2026, 14:05".
DATE_FORMAT = r"j \d\e F \d\e Y"
SHORT_DATE_FORMAT = "j b. Y"
DATETIME_FORMAT = r"j \d\e F \d\e Y, H:i"
SHORT_DATETIME_FORMAT = "j b. Y, H:i"
MONTH_DAY_FORMAT = r"j \d\e F"
TIME_FORMAT = "H:i"
