"""Made-up comment text for sample threads (`make_busy_thread`, and the posts of bench/load).

Plain data and one function, no Django: the load bench imports it without setting Django up.
"""

SENTENCES = [
    "Thank you for writing this, it is the first explanation that made sense to me.",
    "My son was diagnosed last spring and the tiredness in the evenings is the hardest part.",
    "We found that a short rest after school helps more than anything the leaflets suggested.",
    "Does anyone have experience with the physiotherapy exercises mentioned in the article?",
    "I keep a small notebook of good and bad days; it made the clinic visits much easier.",
    "Our team at the hospital was kind, but nobody told us about the support groups.",
    "Reading everyone's stories here makes me feel less alone with all of this.",
    "The section on breathing was useful; we asked our doctor about it the next week.",
]


def sample_comment_text(rng, token=""):
    """One to three of the sentences, picked by `rng` (a random.Random), then `(token)` if given."""
    text = " ".join(rng.sample(SENTENCES, rng.randint(1, 3)))
    return f"{text} ({token})" if token else text
