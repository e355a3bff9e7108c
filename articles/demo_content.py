"""Demo content for `manage.py load_demo`: invented people and sample articles, as plain data.

Every person here is fictional and every text was written for Kindred's demo. The command in
articles/management/commands/load_demo.py turns this data into database rows.
"""

import datetime

from django.utils.text import slugify

UTC = datetime.UTC


def _published(year, month, day):
    return datetime.datetime(year, month, day, 14, 0, tzinfo=UTC)


def _video_url(slug):
    # example.org is reserved for documentation, so nobody mistakes this for a real video.
    return f"https://videos.example.org/kindred/{slug}"


NEUROSURGEON = "avery-sampleton"
ACADEMIC = "morgan-demoford"
NEUROLOGIST = "priya-exampleton"
EDITORIAL = "kindred-editorial-team"
MEDITATION_GUIDE = "jordan-placeholder"

PEOPLE = [
    {
        "slug": NEUROSURGEON,
        "name": "Avery Sampleton",
        "credentials": "M.D., Ph.D.",
        "headline": "is a board-certified neurosurgeon (sample profile)",
        "bio": (
            "Avery Sampleton is an invented neurosurgeon who exists only in Kindred's demo "
            "content. This profile is **sample data**: the name, credentials and career are "
            "made up to show how a reviewer page looks."
        ),
    },
    {
        "slug": ACADEMIC,
        "name": "Morgan Demoford",
        "credentials": "M.D.",
        "headline": "is affiliated with two academic medical centers (sample profile)",
        "bio": (
            "Morgan Demoford is a fictional physician described as working with two "
            "university teaching hospitals. Everything on this page is **sample data** for the "
            "Kindred demo, and no real clinician is behind it."
        ),
    },
    {
        "slug": NEUROLOGIST,
        "name": "Priya Exampleton",
        "credentials": "M.D., M.P.H.",
        "headline": "is a board-certified neurologist (sample profile)",
        "bio": (
            "Priya Exampleton is a made-up neurologist with an imagined interest in "
            "neuromuscular disease. This is **sample data** for the Kindred demo; please do "
            "not rely on it as a real person's credentials."
        ),
    },
    {
        "slug": EDITORIAL,
        "name": "Kindred Editorial Team",
        "credentials": "",
        "headline": "writes and edits the articles on Kindred (sample profile)",
        "bio": (
            "The Kindred Editorial Team is a placeholder author for the demo articles. "
            "It is **sample data**, standing in for the writers a real site would credit."
        ),
    },
    {
        "slug": MEDITATION_GUIDE,
        "name": "Jordan Placeholder",
        "credentials": "",
        "headline": "is a mindfulness teacher (sample profile)",
        "bio": (
            "Jordan Placeholder is a fictional meditation guide invented for Kindred's demo "
            "videos. This profile is **sample data** and does not describe a real teacher."
        ),
    },
]

GETTING_STARTED = "Getting Started on Kindred"
PREGNANCY = "6 Facts About Pregnancy With SMA"
MRI = "Can MRI Detect Spinal Muscular Atrophy?"
ALS = "SMA and ALS: 5 Differences and 3 Similarities"
WALKING = "Can You Walk With Spinal Muscular Atrophy? 4 Things To Know"
MEDITATION = "Self-Kindness When Struggling: 6-Minute Guided Meditation"


def _url(title):
    return f"/articles/{slugify(title)}/"


MAIN_SLUG = "paraspinal-muscular-atrophy-vs-sma"

MAIN_BODY = f"""\
Spinal muscular atrophy (SMA) and paraspinal muscular atrophy have nearly identical names, and \
both can leave a person with weak muscles and reduced mobility. Because of that overlap, wasting \
of the back muscles in an adult could in principle be confused with a late-onset form of SMA. \
In reality, the two are separate neurological problems with very different roots.

Below, we walk through where each condition comes from, how each one shows itself and what \
treatment looks like.

## What is paraspinal muscular atrophy?

The paraspinal muscles run in two columns, one on each side of the backbone. They bend and twist \
the spine and hold it steady. In paraspinal muscular atrophy these muscles waste away, and this \
most often follows an operation on the spine. To reach the part that needs repair, a surgeon may \
draw the muscles aside and detach some of their tendons from the bone, and in some people the \
muscles never fully recover from this.

Surgery is not the only route. A back injury, poor blood flow, damage to the nerves that supply \
these muscles, or long stretches without using them (for example while immobilized or wearing a \
brace) can all make them shrink. On scans, affected muscles look smaller than usual and are often \
marbled with fat, a change known as fatty infiltration.

## How do SMA and paraspinal muscular atrophy differ?

Apart from a few shared features, the two conditions have little in common. They start for \
different reasons, mostly produce different symptoms and are treated in different ways.

### Causes

SMA is an uncommon inherited disease of the nerves and muscles. It comes from changes in the \
survival motor neuron genes, SMN1 and SMN2. These genes hold the instructions for SMN protein, \
which motor neurons (the nerve cells that tell muscles to move) need to stay healthy. In SMA, \
SMN1 is missing or faulty, so the body makes too little SMN protein. Motor neurons are lost over \
time, and the muscles they serve weaken and waste.

Paraspinal muscular atrophy, by contrast, is not passed down in families. It is usually tied to \
the spine problem that needed an operation, to the operation itself or to limited movement during \
recovery. It often shows up together with:

- Degenerative disc disease
- Herniated (slipped) discs
- Lumbar spinal stenosis, a narrowing of the spinal canal in the lower back
- Scoliosis and other differences in the shape of the spine

### Symptoms

Either condition can weaken muscles, limit movement and change the curves of the spine. Beyond \
those shared features, they look quite different.

When the paraspinal muscles waste, the spine may lose its usual alignment. The lower back can \
arch too far (lordosis) or the upper back can round forward (kyphosis), and low back pain is \
common. Some people go on to have trouble with balance, arthritis in the spine or pinched nerves.

SMA causes weakness that builds over time and can also curve the spine, but its other signs \
vary with the form of SMA a person has and how old they were when it started. They may include:

- Low muscle tone (hypotonia) and loss of muscle bulk
- Trouble standing up or walking
- Breathing difficulties
- Problems with chewing or swallowing

[Learn what walking can look like with SMA]({_url(WALKING)}), or read about \
[how imaging fits into an SMA diagnosis]({_url(MRI)}).

### Treatments

For paraspinal muscular atrophy, physical therapy is usually the mainstay, whether as part of \
rehabilitation after spine surgery or to deal with an injury or ongoing back pain. Exercises that \
build core strength can help people move more freely again.

SMA calls for a different approach because its cause is genetic. Motor neurons that have already \
been lost cannot be brought back, so care aims to protect strength, support mobility and improve \
quality of life. The US Food and Drug Administration (FDA) has approved two medicines for SMA, \
nusinersen (Spinraza) and risdiplam (Evrysdi). It has also approved a gene therapy, \
onasemnogene abeparvovec-xioi (Zolgensma), for children under 2 years old. Researchers are \
testing further treatments in clinical trials.

If you are an adult noticing new muscle weakness, many different things could be behind it, so \
raise it with your doctor, who may refer you to a neurologist for tests. A history of spine \
problems or spine surgery makes paraspinal muscular atrophy one possibility worth discussing. \
Getting checked early gives you and your care team the best chance to find the cause, manage it \
well and protect your quality of life. If you are curious how SMA compares with another motor \
neuron disease, see [our guide to SMA and ALS]({_url(ALS)}).
"""

MAIN_ARTICLE = {
    "slug": MAIN_SLUG,
    "title": "Paraspinal Muscular Atrophy vs. Spinal Muscular Atrophy: How They Differ",
    "summary": (
        "Paraspinal muscular atrophy and spinal muscular atrophy (SMA) sound alike and both "
        "weaken muscles, but their causes, symptoms and treatments are very different. Here is "
        "how to tell them apart."
    ),
    "body": MAIN_BODY,
    "kind": "article",
    "video_url": "",
    "published_at": _published(2023, 6, 7),
    "last_reviewed_at": datetime.date(2026, 9, 15),
    "authors": [EDITORIAL],
    "reviewers": [NEUROSURGEON, ACADEMIC],
    "hero_image_name": "paraspinal-demo.png",
    "hero_alt": (
        "Illustration of a stylized spine drawn as a column of rounded vertebrae, with the "
        "outline of a back brace around its lower half, on a soft blue and peach background."
    ),
    "hero_caption": (
        "A back brace can protect the spine while it heals after an operation, yet surgery and "
        "long periods in a brace both raise the risk of paraspinal muscle wasting."
    ),
    "hero_credit": "Kindred illustration (sample)",
}


def _article(title, *, summary, body, published_at, last_reviewed_at, authors, reviewers, video):
    slug = slugify(title)
    return {
        "slug": slug,
        "title": title,
        "summary": summary,
        "body": body,
        "kind": "video" if video else "article",
        "video_url": _video_url(slug) if video else "",
        "published_at": published_at,
        "last_reviewed_at": last_reviewed_at,
        "authors": authors,
        "reviewers": reviewers,
    }


RECENT_ARTICLES = [
    _article(
        GETTING_STARTED,
        video=True,
        summary=(
            "A short video tour of Kindred: setting up your profile, finding people with "
            "similar experiences, asking your first question and keeping personal details "
            "private."
        ),
        body="""\
Welcome to Kindred, a community for people living with spinal muscular atrophy (SMA) and for the \
family and friends who support them. This short video walks you around the site so you can find \
your way from your very first visit.

## What the tour covers

- Setting up a profile and choosing how much you share
- Reading articles and joining the conversation in the comments
- Asking a question and replying to other members
- Changing your notification and privacy settings

## Tips for your first week

Start by introducing yourself; a line or two is plenty. Many members say the first reply they \
got made them feel less alone. If you are not ready to post, reading other people's stories is a \
perfectly good way to begin.

## Staying safe

Members share what has worked for them, but every body is different and nothing posted here \
replaces advice from your own care team. Talk to your doctor before changing a treatment, and keep \
details such as your home address or phone number out of public posts.
""",
        published_at=_published(2026, 10, 20),
        last_reviewed_at=datetime.date(2026, 10, 22),
        authors=[EDITORIAL],
        reviewers=[ACADEMIC],
    ),
    _article(
        PREGNANCY,
        video=False,
        summary=(
            "Many people with SMA have healthy pregnancies. Planning early with a team that "
            "knows SMA helps with breathing, mobility, medicines, delivery and genetic questions."
        ),
        body="""\
Living with spinal muscular atrophy (SMA) does not rule out pregnancy, and many people with SMA \
have had healthy pregnancies and healthy babies. It does mean a little more planning. These are \
the points people most often ask about.

## Six things to know

1. **SMA is not known to lower fertility.** Most people with SMA can conceive in the usual way.
2. **A team makes a difference.** It helps to bring together your neurologist, an obstetrician \
used to higher-risk pregnancies, a lung specialist and an anesthesiologist well before the birth.
3. **Breathing can get harder.** As the baby grows, there is less room for the lungs. Your team \
may check your breathing regularly and plan extra support for later in pregnancy.
4. **Strength and mobility may change for a while.** Extra weight, a shifting center of gravity \
and tiredness can make moving around harder. Physical therapy and mobility aids can help.
5. **Check every medicine first.** Safety information for SMA medicines in pregnancy and \
breastfeeding is limited, and some, including risdiplam, come with advice to avoid pregnancy \
while taking them. Ask your neurologist before you try to conceive.
6. **Think about genetics early.** A child has SMA only when both parents pass on a \
non-working SMN1 gene, so carrier testing for your partner and a talk with a genetic counselor \
can answer many questions.

## Planning the birth

Cesarean births are more common in people with SMA, and scoliosis or past spinal surgery can \
make an epidural or spinal anesthetic harder to place. Meeting the anesthesia team during \
pregnancy gives everyone time to agree on a plan.
""",
        published_at=_published(2026, 8, 12),
        last_reviewed_at=datetime.date(2026, 8, 20),
        authors=[EDITORIAL],
        reviewers=[NEUROLOGIST, ACADEMIC],
    ),
    _article(
        MRI,
        video=False,
        summary=(
            "MRI cannot confirm spinal muscular atrophy; a genetic blood test does that. Scans "
            "can still help rule out other causes of weakness and show how muscles change."
        ),
        body="""\
Magnetic resonance imaging (MRI) uses a strong magnetic field and radio waves to build detailed \
pictures of soft tissue, including muscles, nerves and the spinal cord. It is natural to wonder \
whether a scan like this can show spinal muscular atrophy (SMA).

## How SMA is diagnosed

MRI cannot confirm SMA on its own. The diagnosis comes from a genetic blood test that looks for \
missing or altered copies of the SMN1 gene. The test usually counts SMN2 copies too, which gives \
doctors a rough idea of how the condition may progress. In the United States and many other \
countries, SMA is now part of routine newborn screening.

## Where MRI can help

Imaging still has a role. A doctor may order an MRI of the brain or spine to rule out other \
causes of weakness, such as a spinal cord injury or something pressing on the nerves. Muscle MRI \
can show which muscles have lost bulk or been partly replaced by fat, and researchers use it to \
follow changes over time and to see how people respond to treatment.

## Before a scan

Ask what question the scan is meant to answer and how the result could change your care. Lying \
flat and still for a long time can be hard if breathing or positioning is difficult, so mention \
this beforehand; the imaging team can often adapt.
""",
        published_at=_published(2026, 3, 4),
        last_reviewed_at=datetime.date(2026, 6, 10),
        authors=[EDITORIAL],
        reviewers=[NEUROLOGIST, NEUROSURGEON],
    ),
    _article(
        ALS,
        video=False,
        summary=(
            "SMA and ALS both damage the motor neurons that control muscles, but they differ in "
            "cause, age of onset, the nerve cells involved, pace and effects on thinking."
        ),
        body="""\
Spinal muscular atrophy (SMA) and amyotrophic lateral sclerosis (ALS) are both motor neuron \
diseases, so they are often mentioned together. Knowing where they overlap and where they part \
ways can make conversations with your care team easier.

## Three similarities

- **Motor neurons are affected.** In both, the nerve cells that control movement are damaged, \
which leads to muscle weakness and wasting.
- **Breathing and swallowing can be involved.** Both may weaken the muscles used to breathe, \
cough and swallow, so lung and nutrition care matter.
- **Care is a team effort.** Neither has a cure yet, but both have approved medicines and benefit \
from neurologists, therapists and respiratory specialists working together.

## Five differences

1. **Cause.** Nearly all SMA is inherited through changes in the SMN1 gene. Most ALS appears \
without a family history, and only around 1 in 10 cases runs in families.
2. **Age at onset.** SMA usually starts in infancy or childhood, although one rare type begins in \
adulthood. ALS most often begins between the ages of 40 and 70.
3. **Nerve cells involved.** SMA affects the lower motor neurons in the spinal cord and brainstem. \
ALS affects these and the upper motor neurons in the brain, which can cause stiffness and \
overactive reflexes.
4. **Pace.** ALS usually progresses over a few years. SMA varies widely, and many people with \
later-onset types live into older adulthood.
5. **Thinking and behavior.** SMA does not affect intelligence. Some people with ALS develop \
changes in thinking, language or behavior.
""",
        published_at=_published(2025, 9, 18),
        last_reviewed_at=datetime.date(2026, 2, 2),
        authors=[EDITORIAL],
        reviewers=[NEUROLOGIST],
    ),
    _article(
        WALKING,
        video=False,
        summary=(
            "Whether someone with SMA walks depends on the type, when treatment starts and the "
            "support around them. Four points to help you understand what to expect."
        ),
        body="""\
After an SMA diagnosis, for a child or for yourself, one of the first questions is often about \
walking. The honest answer is that it varies from person to person. These four points can help \
you understand what shapes it.

## 1. The type of SMA matters

Without treatment, children with type 1 usually do not sit on their own, and those with type 2 \
can sit but do not walk independently. People with type 3 learn to walk, though some lose the \
ability later. Type 4 starts in adulthood, and most people keep walking.

## 2. Early treatment has changed the picture

Some children who began treatment before symptoms appeared, often after newborn screening, have \
gone on to sit, stand and walk. Results differ, and your care team can explain what the evidence \
suggests for your situation.

## 3. Therapy and equipment help

Physical therapy, stretching, braces, standing frames and walkers can all support movement. Many \
people who walk short distances use a wheelchair for longer trips to save energy for what matters \
to them.

## 4. Abilities can change over time

Walking may get harder with growth, illness or age. Let your team know about new falls or \
tiredness, since adjusting therapy or equipment early can keep you active and safe.
""",
        published_at=_published(2024, 4, 10),
        # Deliberately old, so the admin shows a "review due" article in the demo.
        last_reviewed_at=datetime.date(2024, 5, 1),
        authors=[EDITORIAL],
        reviewers=[NEUROLOGIST],
    ),
    _article(
        MEDITATION,
        video=True,
        summary=(
            "A six-minute guided practice in self-kindness for hard days, led by Jordan "
            "Placeholder, a fictional mindfulness teacher created for this demo."
        ),
        body="""\
In this six-minute video, mindfulness teacher Jordan Placeholder (a sample persona made up for \
the Kindred demo, not a real person) guides you through a short practice of self-kindness for \
moments when things feel hard.

## Getting comfortable

Find a position that suits your body, sitting or lying down, with as much support as you need. \
Eyes can be open or closed. If focusing on your breath feels uncomfortable, for example because \
breathing takes effort, rest your attention on a sound or on the feeling of your hands instead.

## What the practice involves

You will be invited to notice what you feel without judging it, to remember that struggling is \
part of being human, and to offer yourself a few kind words, the way you might speak to a friend.

## If you need more support

Meditation can ease stress, but it does not replace care. If you feel low for weeks at a time or \
have thoughts of harming yourself, contact your doctor or a local crisis line straight away.
""",
        published_at=_published(2023, 9, 14),
        last_reviewed_at=None,
        authors=[MEDITATION_GUIDE],
        reviewers=[],
    ),
]

ARTICLES = [MAIN_ARTICLE, *RECENT_ARTICLES]

# --- Spanish ------------------------------------------------------------------------------
# Complete translations of two demo articles, each with its own medical review date (a reader
# of Spanish is shown them: articles/translation.py). The others stay English-only, so the demo
# also shows a Spanish reader the English article under its note. The links are the same pages.

MAIN_BODY_ES = f"""\
La atrofia muscular espinal (AME) y la atrofia muscular paraespinal tienen nombres casi \
idénticos, y ambas pueden dejar a una persona con los músculos débiles y menos movilidad. Por \
ese parecido, el desgaste de los músculos de la espalda en un adulto podría, en principio, \
confundirse con una forma de AME de inicio tardío. En realidad, son dos problemas neurológicos \
distintos, con orígenes muy diferentes.

A continuación repasamos de dónde viene cada afección, cómo se manifiesta y en qué consiste su \
tratamiento.

## ¿Qué es la atrofia muscular paraespinal?

Los músculos paraespinales forman dos columnas, una a cada lado de la columna vertebral. Doblan \
y giran la columna y la mantienen estable. En la atrofia muscular paraespinal estos músculos se \
desgastan, algo que casi siempre ocurre después de una operación de columna. Para llegar a la \
zona que hay que reparar, el cirujano puede apartar los músculos y separar del hueso algunos de \
sus tendones, y en algunas personas los músculos nunca llegan a recuperarse del todo.

La cirugía no es la única causa. Una lesión de espalda, un riego sanguíneo deficiente, el daño \
de los nervios que llegan a estos músculos o largas temporadas sin usarlos (por ejemplo, durante \
una inmovilización o mientras se lleva un corsé) pueden hacer que se reduzcan. En las pruebas de \
imagen, los músculos afectados se ven más pequeños de lo normal y a menudo aparecen veteados de \
grasa, un cambio que se conoce como infiltración grasa.

## ¿En qué se diferencian la AME y la atrofia muscular paraespinal?

Aparte de algunos rasgos compartidos, las dos afecciones tienen poco en común. Empiezan por \
motivos distintos, producen sobre todo síntomas diferentes y se tratan de maneras distintas.

### Causas

La AME es una enfermedad hereditaria poco frecuente de los nervios y los músculos. Se debe a \
cambios en los genes de supervivencia de la motoneurona, SMN1 y SMN2. Estos genes contienen las \
instrucciones para fabricar la proteína SMN, que las motoneuronas (las células nerviosas que \
ordenan a los músculos que se muevan) necesitan para mantenerse sanas. En la AME, el gen SMN1 \
falta o no funciona bien, así que el cuerpo produce muy poca proteína SMN. Con el tiempo se \
pierden motoneuronas, y los músculos que dependen de ellas se debilitan y se atrofian.

La atrofia muscular paraespinal, en cambio, no se hereda. Suele estar relacionada con el \
problema de columna que obligó a operar, con la propia operación o con la falta de movimiento \
durante la recuperación. A menudo aparece junto con:

- Enfermedad degenerativa del disco
- Hernias de disco
- Estenosis del canal lumbar, un estrechamiento del conducto vertebral en la parte baja de la \
espalda
- Escoliosis y otras diferencias en la forma de la columna

### Síntomas

Las dos afecciones pueden debilitar los músculos, limitar el movimiento y cambiar las curvas de \
la columna. Más allá de esos rasgos comunes, se manifiestan de forma bastante distinta.

Cuando los músculos paraespinales se desgastan, la columna puede perder su alineación habitual. \
La parte baja de la espalda puede arquearse demasiado (lordosis) o la parte alta puede \
encorvarse hacia delante (cifosis), y el dolor lumbar es frecuente. Algunas personas acaban \
teniendo problemas de equilibrio, artrosis en la columna o nervios pinzados.

La AME causa una debilidad que aumenta con el tiempo y también puede curvar la columna, pero sus \
demás signos dependen del tipo de AME que tenga la persona y de la edad a la que empezó. Pueden \
incluir:

- Tono muscular bajo (hipotonía) y pérdida de masa muscular
- Dificultad para ponerse de pie o para caminar
- Dificultades para respirar
- Problemas para masticar o tragar

[Descubre cómo puede ser caminar con AME]({_url(WALKING)}) o lee sobre \
[el papel de las pruebas de imagen en el diagnóstico de la AME]({_url(MRI)}).

### Tratamientos

En la atrofia muscular paraespinal, la fisioterapia suele ser la base del tratamiento, ya sea \
dentro de la rehabilitación después de una cirugía de columna o para tratar una lesión o un \
dolor de espalda persistente. Los ejercicios que fortalecen la musculatura del tronco pueden \
ayudar a recuperar la libertad de movimiento.

La AME necesita otro enfoque porque su causa es genética. Las motoneuronas que ya se han perdido \
no se pueden recuperar, así que la atención se centra en conservar la fuerza, apoyar la \
movilidad y mejorar la calidad de vida. La Administración de Alimentos y Medicamentos de Estados \
Unidos (FDA) ha aprobado dos medicamentos para la AME, nusinersén (Spinraza) y risdiplam \
(Evrysdi). También ha aprobado una terapia génica, onasemnogén abeparvovec-xioi (Zolgensma), \
para niños menores de 2 años. Los investigadores están probando otros tratamientos en ensayos \
clínicos.

Si eres adulto y notas una debilidad muscular nueva, pueden estar detrás muchas causas \
distintas, así que coméntalo con tu médico, que puede derivarte a un neurólogo para hacerte \
pruebas. Si has tenido problemas de columna o te han operado de la columna, la atrofia muscular \
paraespinal es una posibilidad que merece la pena hablar. Consultar pronto te da a ti y a tu \
equipo médico la mejor oportunidad de encontrar la causa, tratarla bien y proteger tu calidad de \
vida. Si tienes curiosidad por saber en qué se parece la AME a otra enfermedad de la \
motoneurona, consulta [nuestra guía sobre la AME y la ELA]({_url(ALS)}).
"""

MRI_BODY_ES = """\
La resonancia magnética (RM) usa un campo magnético potente y ondas de radio para obtener \
imágenes detalladas de los tejidos blandos, como los músculos, los nervios y la médula espinal. \
Es natural preguntarse si una prueba así puede mostrar la atrofia muscular espinal (AME).

## Cómo se diagnostica la AME

La resonancia magnética no puede confirmar la AME por sí sola. El diagnóstico llega con un \
análisis genético de sangre que busca copias ausentes o alteradas del gen SMN1. La prueba suele \
contar también las copias de SMN2, lo que da a los médicos una idea aproximada de cómo puede \
evolucionar la enfermedad. En Estados Unidos y en muchos otros países, la AME ya forma parte de \
las pruebas de cribado neonatal habituales.

## En qué puede ayudar la resonancia magnética

Las imágenes siguen teniendo su papel. El médico puede pedir una resonancia del cerebro o de la \
columna para descartar otras causas de debilidad, como una lesión de la médula espinal o algo \
que esté comprimiendo los nervios. La resonancia muscular puede mostrar qué músculos han perdido \
volumen o han sido sustituidos en parte por grasa, y los investigadores la usan para seguir los \
cambios con el tiempo y ver cómo responde cada persona al tratamiento.

## Antes de la prueba

Pregunta qué duda se quiere resolver con la prueba y cómo podría cambiar tu atención el \
resultado. Estar tumbado boca arriba y quieto durante mucho rato puede ser difícil si te cuesta \
respirar o colocarte, así que coméntalo antes; el equipo de radiología a menudo puede adaptarse.
"""

SPANISH = {
    MAIN_SLUG: {
        "title_es": (
            "Atrofia muscular paraespinal frente a atrofia muscular espinal: en qué se diferencian"
        ),
        "summary_es": (
            "La atrofia muscular paraespinal y la atrofia muscular espinal (AME) suenan "
            "parecido y ambas debilitan los músculos, pero sus causas, sus síntomas y sus "
            "tratamientos son muy distintos. Así puedes diferenciarlas."
        ),
        "body_es": MAIN_BODY_ES,
        "hero_alt_es": (
            "Ilustración de una columna vertebral estilizada, dibujada como una pila de vértebras "
            "redondeadas, con el contorno de un corsé alrededor de su mitad inferior, sobre un "
            "fondo suave azul y melocotón."
        ),
        "hero_caption_es": (
            "Un corsé puede proteger la columna mientras se cura después de una operación, pero "
            "tanto la cirugía como las temporadas largas con corsé aumentan el riesgo de que se "
            "desgasten los músculos paraespinales."
        ),
        "last_reviewed_at_es": datetime.date(2026, 10, 5),
    },
    slugify(MRI): {
        "title_es": "¿Puede la resonancia magnética detectar la atrofia muscular espinal?",
        "summary_es": (
            "La resonancia magnética no puede confirmar la atrofia muscular espinal: eso lo hace "
            "un análisis genético de sangre. Aun así, las imágenes ayudan a descartar otras causas "
            "de debilidad y a ver cómo cambian los músculos."
        ),
        "body_es": MRI_BODY_ES,
        "last_reviewed_at_es": datetime.date(2026, 7, 1),
    },
}

# The Spanish columns of every article: empty where it has no translation.
SPANISH_FIELDS = (
    "title_es",
    "summary_es",
    "body_es",
    "hero_alt_es",
    "hero_caption_es",
    "last_reviewed_at_es",
)
for _data in ARTICLES:
    _data.update(dict.fromkeys(SPANISH_FIELDS), **SPANISH.get(_data["slug"], {}))
