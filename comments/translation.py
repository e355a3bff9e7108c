"""Rejection reasons in each language of the site (django-modeltranslation, as the articles:
articles/translation.py says why): a column per language, text_en, text_es, in the reason's
own row, so a post's reason comes with the post (select_related) at no query of its own.

A reason is one sentence: `reason.text` reads the active language's text, or the English one
when the reason has none in that language (modeltranslation's fallback, MODELTRANSLATION_
FALLBACK_LANGUAGES). The active language is the reader's: the page's, or in a mail the
recipient's (accounts.mail.send_template renders under it), so a mail is given the reason
itself, never its text read beforehand in the moderator's language.

As for articles: the unsuffixed column (text) holds the English text (RejectionReason.save()),
and `RejectionReason(text=...)` writes English whatever language is active. A query that
loaded only the unsuffixed column (`only("rejection_reason__text")`, from a model that is not
translated) gets that English text with no query of its own; name the language columns
(`rejection_reason__text_es`, ...) to read the reader's.
"""

from modeltranslation.fields import TranslationFieldDescriptor
from modeltranslation.translator import TranslationOptions, translator
from modeltranslation.utils import build_localized_fieldname, get_language, resolution_order

from articles.translation import construct_in_english
from comments.models import RejectionReason


class RejectionReasonTranslation(TranslationOptions):
    fields = ("text",)


class TextOrEnglish(TranslationFieldDescriptor):
    """The active language's text, else the English one; from the columns the row holds."""

    def __get__(self, instance, owner):
        if instance is None:
            return self
        loaded = instance.__dict__
        for language in resolution_order(get_language(), self.fallback_languages):
            column = build_localized_fieldname(self.field.name, language)
            # A language column not loaded beside the unsuffixed one is not fetched: the
            # unsuffixed one holds the English text.
            if column in loaded or self.field.attname not in loaded:
                value = getattr(instance, column)
                if value:
                    return value
        return loaded.get(self.field.attname) or self.field.get_default()


translator.register(RejectionReason, RejectionReasonTranslation)

_registered = RejectionReason.__dict__["text"]
RejectionReason.text = TextOrEnglish(
    _registered.field,
    fallback_languages=_registered.fallback_languages,
    fallback_value=_registered.fallback_value,
    fallback_undefined=_registered.fallback_undefined,
)

construct_in_english(RejectionReason)
