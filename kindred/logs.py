"""Log formatting: one JSON object per line, for log collectors."""

import json
import logging
import time

# Attributes every LogRecord has; anything else was passed in `extra=` and is logged as a field.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    converter = staticmethod(time.gmtime)  # UTC, as the "Z" says

    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class HideSecrets(logging.Filter):
    """No usable link in any log line: Django's own warnings (a 404, a 405 for the HEAD a mail
    scanner sends, a CSRF failure) name the full path, and some attach the request itself."""

    def filter(self, record):
        from kindred.secret_links import hide_in_path, hide_in_text

        message = record.getMessage()
        hidden = hide_in_text(message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            record.request = f"{request.method} {hide_in_path(request.path)}"
        return True
