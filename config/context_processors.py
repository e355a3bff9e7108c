"""Values every template may use."""

from django.conf import settings
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop

# The tagline lives in settings (SITE_TAGLINE, read before translations are); written here too
# so that `makemessages` finds it, and shown in the page's language when the catalog has it.
# Translators: the site's tagline, under its name in every page's header.
TAGLINE = gettext_noop("Connect with others who understand.")


def site(request):
    return {
        "site_name": settings.SITE_NAME,
        "site_tagline": gettext(settings.SITE_TAGLINE),
        "site_url": settings.SITE_URL,
        # The comment feeds hold what anonymous readers see of the conversation: nothing while
        # the read gate is on (comments/feeds.py), so no page links to them then.
        "has_comment_feeds": not settings.COMMENTS_READ_GATE,
        "language": translation.get_language(),
        # The footer's switcher: each language named in itself ("Español"; Django's own name
        # for it is in lower case, as Spanish writes it inside a sentence).
        "languages": [
            (code, capfirst(translation.get_language_info(code)["name_local"]))
            for code, _name in settings.LANGUAGES
        ],
    }
