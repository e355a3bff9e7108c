"""Admin form widgets shared by every app's admin (accounts, articles, comments may import it)."""

from django.contrib.admin import widgets
from django.db import models
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _


class LabelledSplitDateTime(widgets.AdminSplitDateTime):
    """Django's date and time inputs, each with a name of its own ("Until (date)", "Until
    (time)"). The admin puts the field's label in a legend over both and "Date:" / "Time:" as
    plain text beside them, so neither input had an accessible name (axe: label)."""

    def __init__(self, label, attrs=None):
        super().__init__(attrs)
        self.label = label

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        date, time = context["widget"]["subwidgets"]
        date["attrs"]["aria-label"] = format_lazy(_("{field} (date)"), field=self.label)
        time["attrs"]["aria-label"] = format_lazy(_("{field} (time)"), field=self.label)
        return context


class LabelledDateTimeAdmin:
    """A ModelAdmin mix-in: its date-and-time fields get LabelledSplitDateTime."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.DateTimeField) and "widget" not in kwargs:
            kwargs["widget"] = LabelledSplitDateTime(capfirst(db_field.verbose_name))
        return super().formfield_for_dbfield(db_field, request, **kwargs)
