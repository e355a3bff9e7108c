"""What search engines and link previews read: JSON-LD for the article page."""

import json

from django.conf import settings

# Inside <script type="application/ld+json"> nothing may close the element or open a comment.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def _person(reviewer):
    return {
        "@type": "Person",
        "name": reviewer.full_name,
        "url": settings.SITE_URL + reviewer.get_absolute_url(),
    }


def article_json_ld(article):
    """schema.org MedicalWebPage for an article, serialized for a JSON-LD script element."""
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "headline": article.title,
        "description": article.summary,
        "url": settings.SITE_URL + article.get_absolute_url(),
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat(),
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
    }
    if article.hero_image:
        data["image"] = settings.SITE_URL + article.hero_image.url
    if article.last_reviewed_at:
        data["lastReviewed"] = article.last_reviewed_at.isoformat()
    reviewers = [_person(r) for r in article.reviewers.all()]
    if reviewers:
        data["reviewedBy"] = reviewers[0] if len(reviewers) == 1 else reviewers
    authors = [_person(a) for a in article.authors.all()]
    if authors:
        data["author"] = authors
    return json.dumps({k: v for k, v in data.items() if v is not None}).translate(_SCRIPT_SAFE)
