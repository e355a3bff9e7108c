"""The headers every uploaded file is sent with, whoever serves it (config.views.media for
the site, comments.views.picture for pictures of posts not yet published)."""

from pathlib import Path

# What uploads may be served as; anything else is offered as a download, never rendered.
MEDIA_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}


def protect_upload(response, path):
    """The headers every uploaded file is sent with, by the media view or the picture view."""
    extension = Path(path).suffix.lower()
    if extension in MEDIA_TYPES:
        response["Content-Type"] = MEDIA_TYPES[extension]
        response["Content-Disposition"] = "inline"
    else:
        response["Content-Type"] = "application/octet-stream"
        response["Content-Disposition"] = "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
