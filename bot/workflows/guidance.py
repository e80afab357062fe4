"""Which protocol guidance fits an escalation: it depends on who is doing what.

S.2 (a report to the National Confidential Inspector) and S.4 (a report to the police) are
about what *staff* say online. They fit only when a staff member's own conduct is at issue
("een collega heeft een leerling uitgescholden", "a teacher posted ..."). In the usual case,
parents or others attacking a teacher or the school, the director is shown B.2's strategy (talk
it through together, straight away) and A.7 (the standards of decency for one's own replies).

The escalation has no field saying who is involved, so its description is read with cue lists:
a staff word followed by something they did ("collega plaatste", "teacher has posted"), a staff
word after "door"/"by" ("bedreigd door een collega"), or conduct of staff ("berichten van een
collega", "posts by a teacher"). A staff word followed by a passive ("de juf wordt bedreigd")
or standing alone ("ouders bedreigen een leerkracht") marks staff as the target, not the actor.
"""

from __future__ import annotations

from bot.models import Knowledge, Localized

STAFF = frozenset(
    {
        *("collega", "collega's", "leerkracht", "leerkrachten", "docent", "docenten", "juf"),
        *("meester", "leraar", "lerares", "leraren", "medewerker", "medewerkers", "personeel"),
        *("personeelslid", "conciërge", "stagiair", "stagiaire", "invaller", "gymdocent"),
        *("onderwijsassistent", "colleague", "colleagues", "teacher", "teachers", "staff"),
        *("employee", "employees", "caretaker", "trainee"),
    }
)
DEEDS = frozenset(
    {
        # Dutch, present and past, and the participles after "heeft" / "hebben"
        *("plaatst", "plaatste", "post", "postte", "deelt", "deelde", "schrijft", "schreef"),
        *("zet", "zette", "stuurt", "stuurde", "appt", "appte", "whatsappt", "tweet", "tweette"),
        *("scheldt", "schold", "bedreigt", "bedreigde", "pest", "pestte", "beledigt", "kwetst"),
        *("beledigde", "roddelt", "flirt", "flirtte"),
        *("gepost", "geplaatst", "gedeeld", "geschreven", "gezet", "gestuurd", "geappt"),
        *("uitgescholden", "bedreigd", "beledigd", "gepest", "gekwetst", "getweet"),
        # English
        *("posted", "posts", "shared", "shares", "wrote", "writes", "sent", "sends", "tweeted"),
        *("insulted", "insults", "threatened", "threatens", "bullied", "bullies", "harassed"),
        *("harasses", "messaged", "texted", "commented", "mocked", "mocks", "swore"),
    }
)
PASSIVE = frozenset(
    {"wordt", "worden", "werd", "werden", "is", "was", "zijn", "gets", "got", "are", "were"}
    | {"been", "being"}
)
CONDUCT = frozenset(
    {
        *("bericht", "berichten", "post", "posts", "gedrag", "uitlating", "uitlatingen"),
        *("reactie", "reacties", "tweet", "tweets", "opmerking", "opmerkingen", "filmpje"),
        *("message", "messages", "comment", "comments", "behaviour", "behavior", "conduct"),
        *("remarks", "video"),
    }
)
BY = frozenset({"door", "by"})
OF = frozenset({"van", "of", "from", "by", "door"})
ARTICLES = frozenset({"de", "het", "een", "mijn", "onze", "a", "an", "the", "my", "our", "one"})
WINDOW = 5  # words after a staff word in which a deed counts as theirs

STAFF_GUIDANCE = Localized(
    "Het gaat om het gedrag van een medewerker. Ter informatie, bij ernstige gevallen "
    "(protocol):\n• {first_number} {first}\n• {second_number} {second}",
    "A staff member's own conduct is at issue. For information, in serious cases "
    "(protocol):\n• {first_number} {first}\n• {second_number} {second}",
)
STRATEGY_GUIDANCE = Localized(
    "Aanpak volgens het protocol: bespreek samen meteen de te volgen strategie, en reageer "
    "zelf alleen binnen de fatsoensnormen:\n• {first_number} {first}\n• {second_number} {second}",
    "The protocol's approach: agree on the strategy together straight away, and reply only "
    "within the standards of decency:\n• {first_number} {first}\n• {second_number} {second}",
)


def staff_conduct_at_issue(description: str) -> bool:
    """True when the description says a staff member did something (see the module doc)."""
    words = _words(description)
    return any(_staff_acts(words, i) for i, word in enumerate(words) if word in STAFF)


def escalation_guidance(knowledge: Knowledge, description: str) -> Localized:
    """S.2 and S.4 when staff conduct is at issue; otherwise B.2's strategy and A.7."""
    if staff_conduct_at_issue(description):
        return _two_clauses(STAFF_GUIDANCE, knowledge, "S2", "S4")
    return _two_clauses(STRATEGY_GUIDANCE, knowledge, "B2", "A7")


def _staff_acts(words: list[str], at: int) -> bool:
    """Whether the staff word at `at` is the one acting."""
    before = [w for w in words[max(0, at - 3) : at] if w not in ARTICLES]
    if before and before[-1] in BY:
        return True  # "bedreigd door een collega"
    if len(before) >= 2 and before[-1] in OF and before[-2] in CONDUCT:
        return True  # "berichten van een collega"
    for word in words[at + 1 : at + 1 + WINDOW]:
        if word in PASSIVE:
            return False  # "de juf wordt bedreigd"
        if word in DEEDS:
            return True
    return False


def _words(text: str) -> list[str]:
    spaced = "".join(c if c.isalnum() or c == "'" else " " for c in text.casefold())
    return spaced.replace("’", "'").split()


def _two_clauses(template: Localized, knowledge: Knowledge, first: str, second: str) -> Localized:
    one, two = knowledge.clause(first), knowledge.clause(second)
    return Localized(
        template.nl.format(
            first_number=one.number, first=one.text, second_number=two.number, second=two.text
        ),
        template.en.format(
            first_number=one.number,
            first=one.text_en,
            second_number=two.number,
            second=two.text_en,
        ),
    )
