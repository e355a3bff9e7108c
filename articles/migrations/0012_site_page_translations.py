"""The site pages in Spanish (articles/translation.py; docs/article-translations.md, "Site
pages"): a column per language for the title, the text and its HTML, the English ones filled
from the existing columns, and the sample texts 0007 seeded given their Spanish version, marked
as sample texts too.

Only a page that is still a sample, its English title and text as 0007 wrote them, and with no
Spanish yet, gets the Spanish sample: a page staff have written (their own words) or translated
is left as it is, shown in English to Spanish readers until staff add its Spanish. Like 0007's,
the texts name this installation's settings (the site's name, the retention periods)."""

import importlib

from django.conf import settings
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce

from articles.markdown import render_markdown

SAMPLE_NOTE = (
    "*Texto de muestra: el responsable de este sitio sustituye esta página por la suya antes "
    "de abrirlo. Es un punto de partida escrito para una comunidad de salud, no asesoramiento "
    "jurídico.*"
)


def _contact():
    return f"""{SAMPLE_NOTE}

## Cómo escribirnos

Escribe a **contact@example.org** (una dirección de muestra: el responsable del sitio pone aquí
la suya). Una persona del equipo de {settings.SITE_NAME} lee cada mensaje, normalmente en unos
pocos días laborables.

Los correos que te envía el sitio (confirmaciones, avisos de respuestas, artículos nuevos) salen
de una dirección que nadie lee: escribe a la dirección de arriba en lugar de responderlos.

## Lo que no podemos responder

No podemos responder preguntas médicas ni aconsejarte sobre tu propio cuidado: pregunta a tu
médico, a tu enfermera o a tu farmacéutico, que conocen tu historia.

**Si estás en crisis o alguien corre peligro, no esperes nuestra respuesta.** La página de
[Recursos](/resources/) indica a quién puedes acudir ahora mismo.

## Reportar una publicación

Debajo de cada publicación hay un botón **Reportar**. Un reporte llega a los moderadores antes
que un correo, y les dice exactamente de qué publicación hablas.

## Tus datos

Los miembros pueden descargar todo lo que guardamos sobre ellos, o eliminar su cuenta, desde
[la página de su cuenta](/account/). Las personas invitadas que comentaron o se suscribieron con
un nombre y una dirección de correo pueden hacer lo mismo con el enlace “Descargar o eliminar
tus datos” de cualquier correo que les haya enviado el sitio. Encontrarás los detalles en el
[aviso de privacidad](/privacy/).
"""


def _privacy():
    ip_days = settings.IP_RETENTION_DAYS
    mail_days = settings.MAIL_BODY_RETENTION_DAYS
    return f"""{SAMPLE_NOTE}

Este aviso explica qué guarda {settings.SITE_NAME} sobre ti, por qué, durante cuánto tiempo y
qué puedes hacer al respecto.

## Quién es responsable

[Aquí van el nombre y la dirección postal del responsable del sitio.] Las preguntas sobre tus
datos se envían a la dirección de la [página de contacto](/contact/).

## Qué guardamos

- **Si te unes:** tu dirección de correo, que nunca se muestra a nadie; el nombre visible que
  elijas, que se muestra con tus publicaciones y no tiene por qué ser tu nombre real; tu
  contraseña, guardada solo como un hash de un solo sentido; los ajustes que elegiste; y cuándo
  aceptaste las normas de la comunidad y este aviso.
- **Si comentas o te suscribes como persona invitada:** el nombre y la dirección de correo que
  diste, y si confirmaste la dirección.
- **Cuando publicas o reportas una publicación:** lo que escribiste, cuándo, y la dirección IP
  desde la que llegó.
- **Correo:** un registro de cada correo que te envió el sitio (qué era, a qué dirección y
  cuándo).

Lo que escribes en una publicación lo leen otras personas, también lo que cuentas sobre tu
salud. Comparte solo aquello con lo que te sientas a gusto; puedes eliminar tus publicaciones
en cualquier momento.

## Por qué lo guardamos

Para que funcione la comunidad a la que te uniste: para mostrar tus publicaciones con el nombre
que elegiste, para enviarte los correos que pediste (la confirmación de tu dirección, las
respuestas a tus publicaciones, los artículos nuevos) y para que la conversación siga siendo
segura (la moderación y los controles contra el spam y el abuso).

## Durante cuánto tiempo

- Las direcciones IP se eliminan {ip_days} días después de la publicación o el reporte con el
  que llegaron.
- El texto de un correo enviado se guarda {mail_days} días, para poder responder preguntas
  sobre él, y después se elimina; los correos con un enlace de inicio de sesión, de
  restablecimiento o de confirmación no se guardan en absoluto una vez enviados.
- Tu cuenta, tus publicaciones y tus datos de persona invitada se conservan hasta que los
  elimines.

## Quién lo ve

Tu dirección de correo nunca se muestra en el sitio. Los moderadores ven las publicaciones, los
reportes y los datos que necesitan para actuar sobre ellos. El sitio envía sus correos por sí
mismo, a través de un servicio de entrega de correo [el responsable del sitio lo nombra aquí]
que usa tu dirección solo para entregarlos. No vendemos tus datos.

## Cookies

Solo las cookies que el sitio necesita para funcionar: una cookie de sesión cuando inicias
sesión o das tu nombre y tu dirección de correo, y una cookie de seguridad en los formularios.
Ninguna cookie de publicidad ni de seguimiento.

## Tus derechos

- **Ver y descargar tus datos:** los miembros, desde [la página de su cuenta](/account/); las
  personas invitadas, con el enlace “Descargar o eliminar tus datos” de cualquier correo que les
  haya enviado el sitio.
- **Corregirlos:** los miembros cambian su nombre visible y sus ajustes en la página de su
  cuenta.
- **Eliminarlos:** los miembros eliminan su cuenta desde la página de su cuenta, y eligen si sus
  publicaciones se eliminan también; las personas invitadas eliminan sus datos con el mismo
  enlace de sus correos.
- **Dejar de recibir correos:** cada correo de artículos nuevos tiene un enlace para darte de
  baja con un solo clic, y los avisos de respuestas se pueden desactivar en los ajustes de tu
  cuenta.
- **Reclamar:** puedes presentar una reclamación ante la autoridad de protección de datos del
  lugar donde vives.
"""


def _guidelines():
    return f"""{SAMPLE_NOTE}

{settings.SITE_NAME} es un lugar para que las personas que viven con una enfermedad, y quienes
las cuidan, compartan lo que están viviendo. Estas normas ayudan a que siga siendo un lugar
amable y seguro. Todas las personas que publican aceptan seguirlas.

## Sé amable

Aquí, cada persona está pasando por algo. Discrepa de las ideas, nunca de las personas. Nada de
insultos, burlas, acoso ni odio.

## Comparte experiencias, no consejos médicos

Cuenta lo que te funcionó a ti, o lo que no. No le digas a nadie que empiece, deje o cambie un
tratamiento, y no ofrezcas diagnósticos. Nuestros artículos los revisan profesionales médicos;
las publicaciones, no.

## Lo privado, en privado

No incluyas números de teléfono, domicilios, nombres de otras personas ni nada que identifique a
alguien que no haya decidido compartirlo. Tu nombre visible no tiene por qué ser tu nombre real.

## Nada de ventas

Nada de publicidad, ni enlaces a productos o “curas”, ni recoger los datos de contacto de otras
personas.

## Si alguien puede estar en peligro

Si una publicación te hace temer que alguien esté en riesgo, repórtala: los moderadores miran
esos reportes primero. {settings.SITE_NAME} no es un servicio de atención en crisis. Si tú o
alguien cercano necesita ayuda ahora, la página de [Recursos](/resources/) indica a quién
acudir.

## Cómo funciona la moderación

- La primera publicación de cada autor nuevo, y las publicaciones con muchos enlaces, esperan a
  un moderador antes de aparecer.
- Los lectores reportan publicaciones con el botón **Reportar**; una publicación reportada por
  varios lectores se oculta hasta que un moderador la haya revisado.
- Un moderador que rechaza una publicación le explica a su autor por qué. El autor puede apelar
  una vez, y decide otro moderador.
- Incumplir estas normas una y otra vez, o de forma grave, puede llevar a una suspensión o a un
  bloqueo.
"""


def _terms():
    return f"""{SAMPLE_NOTE}

Estas condiciones se aplican a todas las personas que usan {settings.SITE_NAME}. Al crear una
cuenta, también aceptas las [normas de la comunidad](/guidelines/) y confirmas que has leído el
[aviso de privacidad](/privacy/).

## Sin consejo médico

Los artículos de {settings.SITE_NAME} los revisan profesionales de la salud, pero nada de lo que
hay aquí es un diagnóstico ni un plan de tratamiento para ti. Habla con tu propio equipo médico
antes de cambiar algo de tu cuidado. En una emergencia, llama a los servicios de emergencia de
tu zona; la página de [Recursos](/resources/) indica otras formas de recibir ayuda.

## Tu cuenta

Guarda tu contraseña para ti y mantén al día tu dirección de correo: es adonde te enviamos las
confirmaciones. Una cuenta por persona. Puedes eliminar tu cuenta en cualquier momento desde
[la página de tu cuenta](/account/).

## Lo que publicas

Tus palabras siguen siendo tuyas. Al publicar, nos permites mostrarlas en el sitio, y en los
correos a los lectores que siguen la conversación, hasta que las elimines. Publica solo lo que
tengas derecho a compartir, y sigue las normas de la comunidad. Los moderadores pueden retener,
ocultar o eliminar las publicaciones que las incumplan, y suspender o cerrar las cuentas que lo
sigan haciendo.

## Nuestra parte

Intentamos que el sitio funcione y sea seguro, pero no podemos prometer que esté siempre
disponible ni libre de errores. Los enlaces a otros sitios están para ayudar; no controlamos lo
que dicen.

## Cambios

Cuando cambien estas condiciones, actualizaremos esta página y su fecha de actualización. Las
preguntas se envían a la dirección de la [página de contacto](/contact/).
"""


# By kind: the Spanish title and text.
PAGES = {
    "contact": ("Contacto", _contact),
    "privacy": ("Aviso de privacidad", _privacy),
    "guidelines": ("Normas de la comunidad", _guidelines),
    "terms": ("Condiciones de uso", _terms),
}

TRANSLATED = ("title", "body", "body_html")


def _same_text(stored, written):
    """The admin's form sends line ends as CRLF: the same words however they were saved."""
    return (stored or "").replace("\r\n", "\n").strip() == written.replace("\r\n", "\n").strip()


def copy_to_english(apps, schema_editor):
    """The existing pages are English: each translated field's value into its _en column."""
    SitePage = apps.get_model("articles", "SitePage")
    SitePage.objects.update(**{f"{name}_en": F(name) for name in TRANSLATED})


def seed_spanish(apps, schema_editor):
    """Each page still as 0007 seeded it, and with no Spanish yet, gets the Spanish sample
    (safe to run again; tests/conftest.py's site_pages runs it too)."""
    english = {
        kind: (title, text())
        for kind, title, text in importlib.import_module(
            "articles.migrations.0007_site_pages"
        ).PAGES
    }
    SitePage = apps.get_model("articles", "SitePage")
    for page in SitePage.objects.filter(is_sample=True, kind__in=PAGES):
        title, body = english[page.kind]
        untranslated = not (page.title_es or "").strip() and not (page.body_es or "").strip()
        if untranslated and page.title_en == title and _same_text(page.body_en, body):
            title_es, text_es = PAGES[page.kind]
            body_es = text_es()
            SitePage.objects.filter(pk=page.pk).update(
                title_es=title_es, body_es=body_es, body_html_es=render_markdown(body_es)
            )


def forward(apps, schema_editor):
    copy_to_english(apps, schema_editor)
    seed_spanish(apps, schema_editor)


def copy_back_from_english(apps, schema_editor):
    """Back to one language: the English columns' words, as last saved, into the plain ones."""
    SitePage = apps.get_model("articles", "SitePage")
    SitePage.objects.update(**{name: Coalesce(F(f"{name}_en"), F(name)) for name in TRANSLATED})


BODY_HELP = "Markdown. Use ## for section headings. Shown on the page as it is."


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_listing_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="sitepage",
            name="title_en",
            field=models.CharField(max_length=200, null=True, verbose_name="title"),
        ),
        migrations.AddField(
            model_name="sitepage",
            name="title_es",
            field=models.CharField(max_length=200, null=True, verbose_name="title"),
        ),
        migrations.AddField(
            model_name="sitepage",
            name="body_en",
            field=models.TextField(help_text=BODY_HELP, null=True, verbose_name="text"),
        ),
        migrations.AddField(
            model_name="sitepage",
            name="body_es",
            field=models.TextField(help_text=BODY_HELP, null=True, verbose_name="text"),
        ),
        migrations.AddField(
            model_name="sitepage",
            name="body_html_en",
            field=models.TextField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="sitepage",
            name="body_html_es",
            field=models.TextField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(forward, copy_back_from_english),
    ]
