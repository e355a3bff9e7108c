"""Sections that other apps add to the article page (the comment thread, for one).

articles knows nothing of the apps above it. An app registers a provider from its
AppConfig.ready(); the article view calls each provider with the request and the article and
includes the template it names with the context it returns.
"""

from dataclasses import dataclass

_providers = []


@dataclass(frozen=True)
class Section:
    template: str
    context: dict


def register(provider):
    """provider(request, article) -> Section or None."""
    if provider not in _providers:
        _providers.append(provider)


def sections_for(request, article):
    sections = []
    for provider in _providers:
        section = provider(request, article)
        if section is not None:
            sections.append(section)
    return sections
