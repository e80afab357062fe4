"""User-facing texts of the assistant, Dutch first, with English."""

from __future__ import annotations

from bot.models import Localized

HELP = Localized(
    nl=(
        "Ik beantwoord vragen over het social-media-protocol van {foundation} voor {school}. "
        "Stel je vraag gewoon in je eigen woorden, bijvoorbeeld:\n"
        "• Mag ik foto's van mijn klas op Instagram zetten?\n"
        "• Een leerling stuurt me een vriendschapsverzoek, wat nu?\n"
        "• Mag ik onder de les even op Facebook?\n"
        "Twee dingen regel ik meteen met je directeur:\n"
        "• /twijfel – twijfel je of een bericht mag (B.3), bijvoorbeeld “Mag ik dit bericht "
        "over onze sportdag plaatsen?” Typ /twijfel met je concepttekst erachter; ik leg het "
        "vóór het plaatsen aan je directeur voor.\n"
        "• /escaleer – loopt een online discussie uit de hand (B.2), bijvoorbeeld “Ouders "
        "schelden me uit onder een Facebookbericht van school, wat nu?” Typ /escaleer met wat "
        "er gebeurt; ik waarschuw je directeur meteen.\n"
        "In Teams werken ook /doubt en /escalate. In Slack kan het ook via de snelkoppelingen "
        "“Vraag mijn directeur (B.3)” en “Escaleren (B.2)”, en onder elk antwoord over B.2 of "
        "B.3 staat er een knop voor."
    ),
    en=(
        "I answer questions about the social-media protocol of {foundation} for {school}. "
        "Just ask in your own words, for example:\n"
        "• Can I post photos of my class on Instagram?\n"
        "• A pupil sent me a friend request, what now?\n"
        "• May I check Facebook during a lesson?\n"
        "Two things I arrange with your director straight away:\n"
        "• /doubt (or /twijfel) – in doubt whether a post is allowed (B.3), for example “May I "
        "post this about our sports day?” Type /doubt followed by your draft; I put it before "
        "your director before you publish.\n"
        "• /escalate (or /escaleer) – an online discussion getting out of hand (B.2), for "
        "example “Parents are abusing me under the school's Facebook post, what now?” Type "
        "/escalate with what is happening; I alert your director straight away.\n"
        "In Slack, use /twijfel and /escaleer, or the shortcuts “Vraag mijn directeur (B.3)” "
        "and “Escaleren (B.2)”; every answer about B.2 or B.3 also has a button for it."
    ),
)
"""What the assistant does and how to start the two workflows; an opening goes before it."""

HELP_GREETING = Localized(nl="Hoi!", en="Hi!")
HELP_THANKS = Localized(nl="Graag gedaan!", en="You're welcome!")
HELP_ACK = Localized(nl="Prima!", en="Good!")

OUT_OF_SCOPE = Localized(
    nl=(
        "Daar gaat het social-media-protocol niet over, dus daar kan ik je niet mee helpen. "
        "Ik weet alles over: foto's en filmpjes delen, contact met leerlingen op sociale media, "
        "social media tijdens de les, vertrouwelijke informatie, discussies online, "
        "je mening als medewerker, en wat er gebeurt als het misgaat. "
        "Voor andere vragen kun je het beste bij je directeur of HR terecht."
    ),
    en=(
        "That is not something the social-media protocol covers, so I cannot help with it. "
        "I know about: sharing photos and videos, contact with pupils on social media, social "
        "media during lessons, confidential information, online discussions, your opinion as a "
        "staff member, and what happens when things go wrong. For other questions, please ask "
        "your director or HR."
    ),
)

UNSURE = Localized(
    nl=(
        "Ik weet niet zeker wat je bedoelt. Kun je je vraag anders stellen, met wat meer "
        "details? Bijvoorbeeld: wat wil je plaatsen, op welk platform, en over wie?"
    ),
    en=(
        "I am not sure what you mean. Could you rephrase your question with a bit more detail? "
        "For example: what do you want to post, on which platform, and about whom?"
    ),
)

TRUNCATED = Localized(
    nl="Je bericht was erg lang; ik heb alleen de eerste {limit} tekens gelezen.",
    en="Your message was very long; I only read the first {limit} characters.",
)

ALSO_MEANT = Localized(nl="Bedoel je misschien:", en="Did you perhaps mean:")

BUTTON_OTHER = Localized(nl="Ander antwoord: {number} {title}", en="Other answer: {number} {title}")
BUTTON_DOUBT = Localized(nl="Vraag mijn directeur", en="Ask my director")
BUTTON_ESCALATE = Localized(nl="Escaleren naar mijn directeur", en="Escalate to my director")

EXPLANATION = Localized(
    nl="Waarom dit antwoord: {number}, lijkt op “{phrasing}” (zekerheid {confidence:.2f}){runner}",
    en="Why this answer: {number}, close to “{phrasing}” (confidence {confidence:.2f}){runner}",
)
RUNNER_UP = Localized(
    nl="; daarna {number} ({confidence:.2f})", en="; next {number} ({confidence:.2f})"
)

UNKNOWN_CLAUSE = Localized(
    nl="Dat artikel ken ik niet: {clause}.",
    en="I do not know that clause: {clause}.",
)

FOLLOW_UP_SAME = Localized(
    nl="Je vorige vraag ging over {number} {title}; ik lees deze vraag als vervolg daarop.",
    en="Your previous question was about {number} {title}; I read this one as a follow-up.",
)
FOLLOW_UP_MOVED = Localized(
    nl="Je vorige vraag ging over {number} {title}; samen daarmee gaat deze vraag over {new}.",
    en="Your previous question was about {number} {title}; together with it, this one is "
    "about {new}.",
)
WHY = Localized(
    nl="Waarom {number} {title}? Het protocol rust op deze uitgangspunten:",
    en="Why {number} {title}? The protocol rests on these principles:",
)
