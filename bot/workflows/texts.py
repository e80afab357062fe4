"""User-facing texts of the workflows, Dutch first, with English.

Placeholders are filled with str.format; `{id}` is always the request number.
"""

from __future__ import annotations

from bot.models import Localized as L

# --- refusals and bad input ------------------------------------------------------------------
NOT_FOUND = L("Verzoek #{id} bestaat niet.", "Request #{id} does not exist.")
NOT_VISIBLE = L(
    "Je hebt geen toegang tot verzoek #{id}: alleen de aanvrager en de directie van die school.",
    "You have no access to request #{id}: only the requester and that school's leadership.",
)
ONLY_LEADERS = L(
    "Alleen de directeur of adjunct van de school van de aanvrager mag dit doen (verzoek #{id}).",
    "Only the director or deputy of the requester's school may do this (request #{id}).",
)
ONLY_REQUESTER = L(
    "Alleen de aanvrager kan verzoek #{id} intrekken.",
    "Only the requester can withdraw request #{id}.",
)
NOT_OWN = L(
    "Je kunt niet over je eigen verzoek #{id} beslissen.",
    "You cannot decide on your own request #{id}.",
)
WRONG_KIND = L(
    "Verzoek #{id} is een {kind}; dat kan hier niet.",
    "Request #{id} is a {kind}; that is not possible here.",
)
WRONG_STATE = L("{state}; dat kan nu niet meer.", "{state}; that is no longer possible.")
REASON_REQUIRED = L(
    "Geef een reden als je afraadt, bijvoorbeeld: /afraden {id} er staan leerlingen op de foto.",
    "Give a reason when advising against, e.g.: /advise-against {id} pupils are in the photo.",
)
NOTE_REQUIRED = L(
    "Schrijf er een notitie bij, bijvoorbeeld: /opgelost {id} gesprek gevoerd, bericht verwijderd.",
    "Add a note, e.g.: /resolve {id} talked it through, post removed.",
)
TEXT_REQUIRED = L("Schrijf er een tekst bij.", "Please add a text.")
NO_SCHOOL = L(
    "Ik weet nog niet bij welke school je werkt. Kies eerst je school.",
    "I do not know which school you work at yet. Please pick your school first.",
)
NO_DIRECTOR = L(
    "Voor {school} is geen directeur of adjunct ingesteld; neem zelf contact op.",
    "No director or deputy is set up for {school}; please get in touch yourself.",
)
ALREADY_DONE = L("Dat is al verwerkt (#{id}).", "That was already done (#{id}).")
EMPTY_DRAFT = L("Het concept is leeg.", "The draft is empty.")

KIND_NAMES = {
    "doubt_check": L("twijfelcheck", "doubt check"),
    "escalation": L("escalatie", "escalation"),
}
STATUS_NAMES = {
    "submitted": L("ingediend", "submitted"),
    "waiting": L("wacht op de directeur", "waiting for the director"),
    "approved": L("akkoord", "approved"),
    "advised_against": L("afgeraden", "advised against"),
    "talk": L("overleg gevraagd", "talk requested"),
    "withdrawn": L("ingetrokken", "withdrawn"),
    "expired": L("verlopen", "expired"),
    "open": L("open", "open"),
    "acknowledged": L("ontvangen", "acknowledged"),
    "resolved": L("opgelost", "resolved"),
}

STATE_SENTENCES = {  # "is al {status}" is not Dutch for every status: one sentence each
    "submitted": L("Verzoek #{id} is al ingediend", "Request #{id} has already been submitted"),
    "waiting": L(
        "Verzoek #{id} wacht al op de directeur",
        "Request #{id} is already waiting for the director",
    ),
    "approved": L(
        "Verzoek #{id} heeft al akkoord gekregen", "Request #{id} has already been approved"
    ),
    "advised_against": L(
        "Verzoek #{id} is al afgeraden", "Request #{id} has already been advised against"
    ),
    "talk": L(
        "Voor verzoek #{id} is al overleg gevraagd",
        "A talk has already been asked for on request #{id}",
    ),
    "withdrawn": L("Verzoek #{id} is al ingetrokken", "Request #{id} has already been withdrawn"),
    "expired": L("Verzoek #{id} is al verlopen", "Request #{id} has already expired"),
    "open": L("Verzoek #{id} is nog open", "Request #{id} is still open"),
    "acknowledged": L(
        "Verzoek #{id} is al ontvangen", "Request #{id} has already been acknowledged"
    ),
    "resolved": L("Verzoek #{id} is al opgelost", "Request #{id} has already been resolved"),
}

# --- doubt check -------------------------------------------------------------------------------
DOUBT_SENT = L(
    "Verstuurd naar {director} (twijfelcheck #{id}). Publiceer nog niet; je hoort het antwoord "
    "hier. Intrekken: /intrekken {id}",
    "Sent to {director} (doubt check #{id}). Do not publish yet; the answer will appear here. "
    "Withdraw: /withdraw {id}",
)
DOUBT_ALREADY = L("Dit concept is al verstuurd (#{id}).", "This draft was already sent (#{id}).")
DOUBT_FOR_DIRECTOR = L(
    "Twijfelcheck #{id} van {requester} ({school}).\nPlatform: {medium} · publicatie: {when}"
    "\nConcept:\n{draft}{link}\n\nControle: {findings}\n\n"
    "Kies: /akkoord {id} [opmerking] · /afraden {id} <reden> · /overleg {id} [opmerking]",
    "Doubt check #{id} from {requester} ({school}).\nPlatform: {medium} · publishing: {when}"
    "\nDraft:\n{draft}{link}\n\nCheck: {findings}\n\n"
    "Choose: /approve {id} [comment] · /advise-against {id} <reason> · /talk {id} [comment]",
)
LINK_LINE = L("\nLink: {link}", "\nLink: {link}")
WHEN_UNKNOWN = L("onbekend", "unknown")
MEDIUM_UNKNOWN = L("onbekend", "unknown")
DECISION_FOR_REQUESTER = {
    "approved": L(
        "✅ {director} gaf akkoord op twijfelcheck #{id}. Je kunt publiceren.{comment}",
        "✅ {director} approved doubt check #{id}. You can publish.{comment}",
    ),
    "advised_against": L(
        "⛔ {director} raadt twijfelcheck #{id} af.{comment}",
        "⛔ {director} advises against doubt check #{id}.{comment}",
    ),
    "talk": L(
        "💬 {director} wil twijfelcheck #{id} even met je bespreken; publiceer nog niet.{comment}",
        "💬 {director} would like to talk about doubt check #{id}; do not publish yet.{comment}",
    ),
}
COMMENT_LINE = L("\nOpmerking: {comment}", "\nComment: {comment}")
DECIDED_FOR_ACTOR = {
    "approved": L(
        "Vastgelegd: je gaf akkoord op twijfelcheck #{id}. {requester} krijgt bericht.",
        "Recorded: you approved doubt check #{id}. {requester} will be told.",
    ),
    "advised_against": L(
        "Vastgelegd: je raadt twijfelcheck #{id} af. {requester} krijgt bericht.",
        "Recorded: you advise against doubt check #{id}. {requester} will be told.",
    ),
    "talk": L(
        "Vastgelegd: voor twijfelcheck #{id} is overleg gevraagd. {requester} krijgt bericht.",
        "Recorded: you asked to talk about doubt check #{id}. {requester} will be told.",
    ),
}
DECIDED_UPDATE = {
    "approved": L(
        "{actor} gaf akkoord op twijfelcheck #{id} van {requester}.",
        "{actor} approved doubt check #{id} from {requester}.",
    ),
    "advised_against": L(
        "{actor} raadt twijfelcheck #{id} van {requester} af.",
        "{actor} advises against doubt check #{id} from {requester}.",
    ),
    "talk": L(
        "Bij twijfelcheck #{id} van {requester} vraagt {actor} om overleg.",
        "{actor} asked to talk about doubt check #{id} from {requester}.",
    ),
}
WITHDRAWN_FOR_ACTOR = L("Twijfelcheck #{id} is ingetrokken.", "Doubt check #{id} is withdrawn.")
WITHDRAWN_UPDATE = L(
    "Twijfelcheck #{id} van {requester} is ingetrokken; je hoeft niets meer te doen.",
    "Doubt check #{id} from {requester} was withdrawn; nothing left to do.",
)
DOUBT_REMINDER = L(
    "⏰ Herinnering: twijfelcheck #{id} van {requester} wacht nog op je besluit.\n{summary}",
    "⏰ Reminder: doubt check #{id} from {requester} is still waiting for your decision.\n"
    "{summary}",
)
DEPUTY_ASKED = L(
    "{director} heeft nog niet gereageerd; wil jij als adjunct kijken?\n{summary}",
    "{director} has not answered yet; could you, as deputy, take a look?\n{summary}",
)
DOUBT_EXPIRED = L(
    "⌛ Twijfelcheck #{id} is verlopen zonder besluit. Twijfel je nog? Publiceer dan niet en "
    "bel je directeur.",
    "⌛ Doubt check #{id} expired without a decision. Still in doubt? Then do not publish, and "
    "call your director.",
)
EXPIRED_UPDATE = L(
    "Twijfelcheck #{id} van {requester} is verlopen zonder besluit.",
    "Doubt check #{id} from {requester} expired without a decision.",
)

# --- escalation ----------------------------------------------------------------------------------
ESCALATION_SENT = L(
    "Je directeur {director} is gewaarschuwd (escalatie #{id}). Reageer online liever niet "
    "verder tot jullie de aanpak besproken hebben. Notitie toevoegen: /notitie {id} <tekst>",
    "Your director {director} has been alerted (escalation #{id}). Preferably do not respond "
    "online until you have agreed on an approach. Add a note: /note {id} <text>",
)
ESCALATION_FOR_DIRECTOR = L(
    "🚨 Escalatie #{id} van {requester} ({school}), urgentie: {urgency}.\nPlatform: {medium}"
    "\nWat er gebeurt: {description}\nLinks: {links}\n\n{guidance}\n\n"
    "Kies: /ontvangen {id} · /opgelost {id} <notitie> · /notitie {id} <tekst>",
    "🚨 Escalation #{id} from {requester} ({school}), urgency: {urgency}.\nPlatform: {medium}"
    "\nWhat is happening: {description}\nLinks: {links}\n\n{guidance}\n\n"
    "Choose: /acknowledge {id} · /resolve {id} <note> · /note {id} <text>",
)
THREAD_OPENED = L(
    "[Escalatie #{id}] Gesprek tussen {requester} en {director} over: {description}",
    "[Escalation #{id}] Conversation between {requester} and {director} about: {description}",
)
URGENCY_NAMES = {"now": L("nu", "now"), "today": L("vandaag", "today")}
ACKNOWLEDGED_THREAD = L(
    "[Escalatie #{id}] {actor} heeft de escalatie ontvangen en pakt het op.",
    "[Escalation #{id}] {actor} has acknowledged the escalation and is on it.",
)
ACKNOWLEDGED_FOR_ACTOR = L(
    "Escalatie #{id} is ontvangen; {requester} krijgt bericht.",
    "Escalation #{id} is acknowledged; {requester} will be told.",
)
RESOLVED_THREAD = L(
    "[Escalatie #{id}] Opgelost door {actor}: {note}",
    "[Escalation #{id}] Resolved by {actor}: {note}",
)
RESOLVED_FOR_ACTOR = L("Escalatie #{id} is opgelost.", "Escalation #{id} is resolved.")
ESCALATION_REMINDER = L(
    "⏰ Escalatie #{id} van {requester} is nog niet ontvangen. Typ /ontvangen {id}.",
    "⏰ Escalation #{id} from {requester} has not been acknowledged. Type /acknowledge {id}.",
)
DEPUTY_ASKED_THREAD = L(
    "[Escalatie #{id}] {director} reageert nog niet; de adjunct is gevraagd.",
    "[Escalation #{id}] {director} has not responded; the deputy has been asked.",
)

# --- notes ---------------------------------------------------------------------------------------
NOTE_ADDED = L("Notitie bij #{id} vastgelegd.", "Note on #{id} recorded.")
NOTE_MESSAGE = L("[#{id}] Notitie van {author}: {text}", "[#{id}] Note from {author}: {text}")

# --- buttons --------------------------------------------------------------------------------------
BUTTON_APPROVE = L("Akkoord", "Approve")
BUTTON_ADVISE_AGAINST = L("Afraden", "Advise against")
BUTTON_TALK = L("Overleggen", "Let's talk")
BUTTON_ACKNOWLEDGE = L("Ontvangen", "Acknowledge")
BUTTON_RESOLVE = L("Opgelost", "Resolve")

# --- chat commands (bot.workflows.commands) -------------------------------------------------------
ASK_DRAFT = L(
    "Plak of typ de tekst van je bericht (één regel). /annuleer stopt.",
    "Paste or type the text of your post (one line). /cancel stops.",
)
ASK_LINK = L(
    "Link naar het bericht of de foto? (of 'geen')",
    "Link to the post or the photo? (or 'none')",
)
ASK_MEDIUM = L(
    "Op welk platform? (bijvoorbeeld Instagram, Facebook, X; of 'geen')",
    "On which platform? (e.g. Instagram, Facebook, X; or 'none')",
)
ASK_WHEN = L(
    "Wanneer wil je het publiceren? (bijvoorbeeld 'morgen om 9 uur', 'volgende week dinsdag', "
    "'vanmiddag', '14-03 15:30', 'nu' of 'weet ik niet')",
    "When do you want to publish it? (e.g. 'tomorrow at 9', 'next Tuesday', 'this afternoon', "
    "'14-03 15:30', 'now' or 'unknown')",
)
ASK_CONFIRM = L(
    "Controle: {findings}\n\nVersturen naar je directeur? (ja/nee)",
    "Check: {findings}\n\nSend to your director? (yes/no)",
)
ASK_LINKS = L(
    "Link(s) naar de discussie? (met spaties ertussen, of 'geen')",
    "Link(s) to the discussion? (separated by spaces, or 'none')",
)
ASK_DESCRIPTION = L("Wat gebeurt er? (kort)", "What is happening? (briefly)")
ASK_URGENCY = L(
    "Hoe dringend? 'nu' of 'heel dringend' (meteen, ook buiten werktijd), of 'vandaag' of "
    "'niet dringend' (binnen werktijd)",
    "How urgent? 'now' or 'urgent' (straight away, also outside working hours), or 'today' or "
    "'not urgent' (within working hours)",
)
ASK_REASON = L("Waarom raad je het af? (verplicht)", "Why do you advise against it? (required)")
ASK_NOTE = L("Hoe is het opgelost? (verplicht)", "How was it resolved? (required)")
NOT_SENT = L("Niet verstuurd.", "Not sent.")
CANCELLED = L("Gestopt; er is niets verstuurd.", "Stopped; nothing was sent.")
NOTHING_TO_CANCEL = L("Er is niets om te stoppen.", "There is nothing to stop.")
STILL_BUSY = L("(Je was nog bezig:)", "(You were still busy:)")
NEED_ID = L(
    "Geef het nummer van het verzoek, bijvoorbeeld /akkoord 12. Je verzoeken: /verzoeken",
    "Give the request number, e.g. /approve 12. Your requests: /requests",
)
UNKNOWN_COMMAND = L(
    "Onbekend commando: {name}\n\n{commands}", "Unknown command: {name}\n\n{commands}"
)
CHECK_RESULT = L("{findings}", "{findings}")
CHOOSE_SCHOOL = L(
    "Bij welke school werk je? Kies het nummer (dit hoef je maar één keer te doen).",
    "Which school do you work at? Pick its number (you only need to do this once).",
)
SCHOOL_CHOSEN = L("Genoteerd: je werkt op {school}.", "Noted: you work at {school}.")
HELP_HEAD = L(
    "Commando's (Nederlands of Engels):",
    "Commands (Dutch or English):",
)
COMMAND_HINT = {
    "doubt_check": L(
        "Typ /twijfel om je concept aan je directeur voor te leggen.",
        "Type /doubt to put your draft before your director.",
    ),
    "escalate": L(
        "Typ /escaleer om je directeur meteen te waarschuwen.",
        "Type /escalate to alert your director straight away.",
    ),
}
