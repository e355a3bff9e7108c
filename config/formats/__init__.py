"""Dates and times as each language writes them (FORMAT_MODULE_PATH): templates name a format
("DATE_FORMAT", "SHORT_DATETIME_FORMAT"...), never spell one out."""
