"""Tests for the draft check: realistic drafts, masking, formatting, the loader and robustness."""

from __future__ import annotations

import shutil
import time
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.draftcheck import (
    CLAUSE_ORDER,
    DRAFT_LIMIT,
    DRAFTCHECK_FILE,
    FIRST_NAMES_FILE,
    MAX_EVIDENCE,
    MAX_EVIDENCE_CHARS,
    OFFENSIVE_FILE,
    Draft,
    DraftRules,
    Finding,
    check_draft,
    default_draft_rules,
    disclaimer,
    format_findings,
    load_draft_rules,
    passes_elfproef,
)
from bot.knowledge import KnowledgeError, knowledge_dir, load_knowledge
from bot.org import load_org
from bot.workflows.base import Context
from bot.workflows.doubt_check import DoubtDraft, run_draft_check
from evaluation.draftcheck_eval import (
    HELD_OUT,
    HELD_OUT_2,
    TUNED,
    evaluate,
    load_drafts,
    to_draft,
)

SCHOOL = "Het Kofschip"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DRAFTS = load_drafts(TUNED)
HELD_OUT_DRAFTS = load_drafts(HELD_OUT)
HELD_OUT_2_DRAFTS = load_drafts(HELD_OUT_2)


@pytest.fixture(scope="module")
def rules() -> DraftRules:
    return load_draft_rules()


def _ids(findings: tuple[Finding, ...]) -> list[str]:
    return [finding.clause_id for finding in findings]


def _check(text: str, rules: DraftRules, **kwargs: Any) -> tuple[Finding, ...]:
    return check_draft(Draft(text, **kwargs), school=SCHOOL, rules=rules)


# ------------------------------------------------------------------------------- the drafts


def test_there_are_enough_drafts_in_both_languages() -> None:
    everything = DRAFTS + HELD_OUT_DRAFTS + HELD_OUT_2_DRAFTS
    ids = [d["id"] for d in everything]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 80
    assert len(HELD_OUT_DRAFTS) >= 25
    assert sum(1 for i in ids if i.startswith("nl-")) >= 40
    assert sum(1 for i in ids if i.startswith("en-")) >= 20
    assert sum(1 for d in everything if not d["expect"]) >= 25
    for clause in CLAUSE_ORDER:
        assert sum(1 for d in everything if clause in d["expect"]) >= 4, clause
    assert all(set(d["expect"]) <= set(CLAUSE_ORDER) for d in everything)
    assert not any({"B1", "C2"} <= set(d["expect"]) for d in everything)


@pytest.mark.parametrize("case", DRAFTS, ids=[d["id"] for d in DRAFTS])
def test_draft_touches_the_expected_clauses(case: dict[str, Any], rules: DraftRules) -> None:
    findings = check_draft(to_draft(case), school=case.get("school", SCHOOL), rules=rules)
    expected = [c for c in CLAUSE_ORDER if c in case["expect"]]
    assert _ids(findings) == expected


# Floors slightly under the figures measured by evaluation/draftcheck_eval.py (see its table):
# a change that loses precision or recall on a clause fails here. The held-out drafts are not
# tuned on, so their floors are what the check is expected to keep on drafts it has not seen.
# Per clause (precision, recall), None where a part has nothing to measure; then all clauses
# together (precision, recall), and how many drafts get exactly the right clause set.
Floors = tuple[dict[str, tuple[float | None, float | None]], tuple[float, float], int]
HELD_OUT_FLOORS: dict[str, Floors] = {
    "heldout": (
        {
            "A1": (0.95, 0.95),
            "A5": (0.85, 0.95),
            "A6": (0.95, 0.95),
            "A7": (None, 0.0),
            "B1": (0.95, 0.95),
            "C1": (0.95, 0.95),
            "C2": (0.95, 0.95),
            "C3": (0.95, 0.85),
        },
        (0.93, 0.88),
        30,
    ),
    "heldout2": (
        {
            "A1": (0.6, 0.95),
            "A5": (0.45, 0.6),
            "A6": (None, None),
            "A7": (0.95, 0.95),
            "B1": (0.6, 0.95),
            "C1": (0.6, 0.95),
            "C2": (None, None),
            "C3": (0.95, 0.95),
        },
        (0.65, 0.9),
        18,
    ),
}


def test_precision_and_recall_on_the_tuned_drafts(rules: DraftRules) -> None:
    report = evaluate(DRAFTS, rules)
    for clause, score in report.scores.items():
        assert score.support >= 3, clause
        assert score.precision is not None and score.precision >= 0.95, clause
        assert score.recall is not None and score.recall >= 0.95, clause


@pytest.mark.parametrize(
    ("part", "cases"), [("heldout", HELD_OUT_DRAFTS), ("heldout2", HELD_OUT_2_DRAFTS)]
)
def test_precision_and_recall_on_the_held_out_drafts(
    part: str, cases: list[dict[str, Any]], rules: DraftRules
) -> None:
    floors, (micro_precision, micro_recall), exact = HELD_OUT_FLOORS[part]
    report = evaluate(cases, rules)
    for clause, (precision, recall) in floors.items():
        score = report.scores[clause]
        if precision is not None:
            assert score.precision is not None and score.precision >= precision, clause
        if recall is not None:
            assert score.recall is not None and score.recall >= recall, clause
    micro = report.micro
    assert micro.precision is not None and micro.precision >= micro_precision
    assert micro.recall is not None and micro.recall >= micro_recall
    assert report.exact >= exact


# ------------------------------------------------------------------------- shape of findings


def test_clause_order_follows_the_protocol() -> None:
    protocol_ids = [clause.id for clause in load_knowledge().clauses]
    assert [i for i in protocol_ids if i in CLAUSE_ORDER] == list(CLAUSE_ORDER)


def test_one_finding_per_clause_with_merged_evidence(rules: DraftRules) -> None:
    text = "Foto van Sem uit groep 5 en een filmpje, bel 06-12345678. 📸"
    findings = _check(text, rules, media_attached=True)
    assert _ids(findings) == ["A1", "A5", "C1"]
    media = findings[1]
    assert media.evidence == ("Foto", "filmpje", "📸", "[media]")
    assert "Foto" in media.reason.nl and "Foto" in media.reason.en


def test_a1_and_c1_share_the_evidence(rules: DraftRules) -> None:
    a1, c1 = _check("Leerling Sem heeft ADHD.", rules)
    assert (a1.clause_id, c1.clause_id) == ("A1", "C1")
    assert a1.evidence == c1.evidence == ("Leerling S…", "ADHD")
    assert a1.reason != c1.reason


def test_evidence_is_bounded(rules: DraftRules) -> None:
    text = " ".join(f"idioot{i} idioot" for i in range(50)) + " kut" + "x" * 500
    (finding,) = _check(text, rules)
    assert finding.clause_id == "A7"
    assert len(finding.evidence) <= MAX_EVIDENCE
    assert all(len(e) <= MAX_EVIDENCE_CHARS for e in finding.evidence)


def test_reason_never_repeats_the_whole_draft(rules: DraftRules) -> None:
    text = "Sommige ouders op onze school zijn echt idioten en dat mag iedereen weten, vind ik."
    for finding in _check(text, rules):
        for reason in (finding.reason.nl, finding.reason.en):
            assert text not in reason
            assert len(reason) < 400


# --------------------------------------------------------------------------- personal data


@pytest.mark.parametrize(
    ("text", "mask", "secret"),
    [
        ("bel 06-12345678 even", "06-…", "12345678"),
        ("bel 06 12345678 even", "06-…", "12345678"),
        ("bel 0612345678 even", "06-…", "12345678"),
        ("bel +31 6 1234 5678 even", "+31 6…", "1234 5678"),
        ("bel +31612345678 even", "+31 6…", "12345678"),
        ("bel +31 (0)6 12 34 56 78 even", "+31 6…", "12 34 56 78"),
        ("bel 0031 6 12345678 even", "+31 6…", "12345678"),
        ("bel 020-1234567 even", "02-…", "1234567"),
        ("mail piet.jansen@example.nl", "p…@…", "jansen"),
        ("bsn 111222333", "11…", "1222333"),
        ("bsn 123456782", "12…", "3456782"),
        ("bsn 123.456.782", "12…", "456.782"),
        ("postcode 1234 AB", "12…", "34 AB"),
        ("rekening NL91 ABNA 0417 1643 00", "NL…", "0417"),
        ("leerling Sem", "leerling S…", "Sem"),
        ("Sem uit groep 5 won", "S… uit groep 5", "Sem"),
        ("Emma (groep 7) won", "E… (groep 7)", "Emma"),
        ("Daan (8 jaar) won", "D… (8 jaar)", "Daan"),
    ],
)
def test_personal_data_is_found_and_masked(
    text: str, mask: str, secret: str, rules: DraftRules
) -> None:
    findings = _check(text, rules)
    assert _ids(findings) == ["A1", "C1"]
    for finding in findings:
        assert mask in finding.evidence
        shown = " ".join((*finding.evidence, finding.reason.nl, finding.reason.en))
        assert secret not in shown


def test_iban_digits_are_not_also_a_phone_number(rules: DraftRules) -> None:
    a1, _ = _check("Graag naar NL91 ABNA 0417 1643 00 overmaken.", rules)
    assert a1.evidence == ("NL…",)


@pytest.mark.parametrize(
    "text",
    [
        "ordernummer 123456789",
        "bel 0900 – 1113111",
        "bel 0800-1234567",
        "op 06-12-2024 om 10:00",
        "in 2024 zijn we 75 jaar",
        "Juf Anna (groep 5) is jarig",
        "Kinderen uit groep 8 gaan op kamp",
        "1234567890123",
    ],
)
def test_no_personal_data_false_positives(text: str, rules: DraftRules) -> None:
    assert _check(text, rules) == ()


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("111222333", True),
        ("123456782", True),
        ("123456789", False),
        ("000000000", False),
        ("12345678", False),
        ("1234567820", False),
        ("١١١٢٢٢٣٣٣", False),
        ("abcdefghi", False),
    ],
)
def test_elfproef(digits: str, valid: bool) -> None:
    assert passes_elfproef(digits) is valid


# ------------------------------------------------------- pupils' first names, implied images

ISSUE_DRAFT = "Wat een sportdag! Kijk eens hoe Sem en Lotte over de finish vliegen… #kofschip"


def test_first_names_and_an_implied_photo_are_flagged(rules: DraftRules) -> None:
    findings = {f.clause_id: f for f in _check(ISSUE_DRAFT, rules)}
    assert list(findings) == ["A1", "A5", "B1", "C1", "C3"]
    assert findings["A1"].evidence == findings["C1"].evidence == ("S…", "L…")
    assert "naam van een leerling" in findings["A1"].reason.nl
    assert "a pupil's name" in findings["C1"].reason.en
    assert findings["A5"].evidence == ("Kijk eens",)
    shown = " ".join(e for f in findings.values() for e in (*f.evidence, f.reason.nl, f.reason.en))
    assert "Sem" not in shown and "Lotte" not in shown


def test_sports_day_with_a_class_and_happy_faces_is_a_photo_of_pupils(rules: DraftRules) -> None:
    (finding,) = _check(
        "Sportdag van groep 6: zon, spelletjes en heel veel blije gezichten!", rules
    )
    assert (finding.clause_id, finding.evidence) == ("A5", ("blije gezichten",))
    assert "Beeld of geluid" in finding.reason.nl


@pytest.mark.parametrize(
    "text",
    [
        "Kijk eens wat groep 4 vandaag gebouwd heeft!",
        "Kijk hoe de kleuters genieten van de sneeuw",
        "Zie hier het resultaat van de knutselmiddag",
        "Hier zie je de hele klas in de bibliotheek",
        "Bekijk hier de kunstwerken van groep 7",
        "Op de foto: de winnaars van het schaaktoernooi",
        "Sportdag 📸",
        "Look at these little artists in Year 1!",
        "Check out what Year 6 made in science today",
        "Het schoolplein is af [afbeelding]",
        "De nieuwe leeshoek <img>",
        "Onze moestuin [IMG_2041.JPG]",
    ],
)
def test_phrases_that_imply_an_image_are_a5(text: str, rules: DraftRules) -> None:
    assert "A5" in _ids(_check(text, rules))


@pytest.mark.parametrize(
    ("link", "evidence"),
    [
        ("https://www.kofschip.nl/fotoalbum/sportdag-2024", "www.kofschip.nl/…fotoalbum…"),
        ("https://www.facebook.com/kofschip/photos/a.123/456", "www.facebook.com/…photos…"),
        ("https://fb.watch/abc123", "fb.watch"),
        ("https://example.org/uploads/knutselmiddag.jpg", ".jpg"),
    ],
)
def test_links_to_photos_are_a5(link: str, evidence: str, rules: DraftRules) -> None:
    (finding,) = _check("De knutselmiddag was een succes", rules, link=link)
    assert (finding.clause_id, finding.evidence) == ("A5", (evidence,))


@pytest.mark.parametrize(
    "text",
    [
        "Bekijk de nieuwsbrief van deze week",
        "Kijk eens op de website voor het vakantierooster",
        "Take a look at the newsletter for the dates",
        "De brief over het schoolreisje zit in de bijlage [bijlage: brief.pdf]",
    ],
)
def test_looking_at_a_document_is_not_an_image(text: str, rules: DraftRules) -> None:
    assert _check(text, rules, link="https://www.kofschip.nl/nieuwsbrief") == ()


@pytest.mark.parametrize(
    "text",
    [
        "Sem en Lotte hebben vandaag de voorleeswedstrijd gewonnen!",
        "Wat ging Noor hard tijdens de sportdag",
        "Fatima en Mohammed uit mijn klas hielpen de kleuters",
        "Well done to Oliver for his brilliant poem in class",
        "Sem's spreekbeurt over haaien was geweldig in groep 5",
        "Trots op Zoë, ze heeft haar zwemdiploma gehaald #kofschip",
    ],
)
def test_listed_first_names_in_a_draft_about_school_are_pupils(
    text: str, rules: DraftRules
) -> None:
    findings = _check(text, rules)
    assert {"A1", "C1"} <= set(_ids(findings))
    assert any(e.endswith("…") for e in findings[0].evidence)


@pytest.mark.parametrize(
    "text",
    [
        "Gisteren gezellig gegeten met Sem en Lotte",  # not about school
        "Mijn dochter Emma begint morgen in groep 1",  # family
        "Welkom terug juf Sanne, de kinderen hebben je gemist",  # staff
        "Collega Daan heeft de sportdag georganiseerd",  # staff
        "Bedankt voor de hulp bij de sportdag! Groetjes, Marit",  # the author signs
        "Storm op komst: het schoolreisje gaat niet door",  # a word opening the sentence
        "Roos en tulpen voor de juf van groep 3",
        "Sportdag van groep 6 was een succes",  # "Sportdag" is not a name
        "Klassenfoto's van groep 5 zijn binnen",
    ],
)
def test_names_that_are_not_pupils(text: str, rules: DraftRules) -> None:
    assert not {"A1", "C1"} & set(_ids(_check(text, rules)))


def test_a_word_name_mid_sentence_counts(rules: DraftRules) -> None:
    assert {"A1", "C1"} <= set(_ids(_check("In groep 3 las Roos het hele boek voor.", rules)))


# ----------------------------------------------------- saying you work there; B.1 or C.2

SAYS_YOU_WORK_THERE = [
    "Op onze school beginnen we met een moestuin.",
    "Op mijn school beginnen we met een moestuin.",
    "Bij ons op school, Het Kofschip, beginnen we met een moestuin.",
    "My school is starting a vegetable garden.",
    "Our school is starting a vegetable garden.",
    "Ik werk op Het Kofschip en we beginnen met een moestuin.",
    "Ik werk bij Het Kofschip en we beginnen met een moestuin.",
    "Met mijn klas van Het Kofschip naar de kinderboerderij.",
]


@pytest.mark.parametrize("text", SAYS_YOU_WORK_THERE)
@pytest.mark.parametrize("during_work", [True, False, None])
def test_saying_our_school_says_you_work_there(
    text: str, during_work: bool | None, rules: DraftRules
) -> None:
    findings = _check(text, rules, during_work=during_work)
    assert _ids(findings) == ["C3"]
    assert "zegt niet dat je er werkt" not in format_findings(findings, "nl")
    assert "does not say you work there" not in format_findings(findings, "en")


def test_b1_during_work_c2_outside_work(rules: DraftRules) -> None:
    text = "Het Kofschip zoekt een vakleerkracht gym."
    (b1, _) = _check(text, rules, during_work=True)
    (c2, _) = _check(text, rules, during_work=False)
    assert (b1.clause_id, c2.clause_id) == ("B1", "C2")
    assert "gepland tijdens werktijd" in b1.reason.nl and "(tijdens werksituaties)" in b1.reason.nl
    assert "planned outside working hours" in c2.reason.en
    assert "buiten werksituaties" in c2.reason.nl
    assert b1.reason != c2.reason


def test_unknown_time_gives_one_finding_for_b1_and_c2(rules: DraftRules) -> None:
    findings = _check("Het Kofschip zoekt een vakleerkracht gym.", rules)
    assert _ids(findings) == ["B1", "C3"]
    reason = findings[0].reason
    assert "(B.1)" in reason.nl and "(C.2)" in reason.nl
    assert "(B.1)" in reason.en and "(C.2)" in reason.en
    assert findings[0].suggestion is not None
    assert findings[0].suggestion.nl == "Ik werk op Het Kofschip."


@pytest.mark.parametrize(
    ("text", "clause", "evidence"),
    [
        ("Tijdens de pauze even: Het Kofschip is morgen dicht.", "B1", "Tijdens de pauze"),
        ("During class I saw that Het Kofschip won the prize.", "B1", "During class"),
        ("In mijn eigen tijd: Het Kofschip verdient beter.", "C2", "In mijn eigen tijd"),
        ("Vanavond nog nagenieten van de musical op Het Kofschip.", "C2", "Vanavond"),
        ("Dit weekend ben ik nog bezig met Het Kofschip.", "C2", "Dit weekend"),
        ("Tonight I keep thinking of Het Kofschip.", "C2", "Tonight"),
    ],
)
def test_the_text_can_say_when(text: str, clause: str, evidence: str, rules: DraftRules) -> None:
    findings = _check(text, rules)
    assert _ids(findings) == [clause, "C3"]
    assert evidence in findings[0].evidence


def test_the_given_time_wins_over_the_text(rules: DraftRules) -> None:
    text = "Vanavond nog nagenieten van de musical op Het Kofschip."
    assert _ids(_check(text, rules, during_work=True)) == ["B1", "C3"]


def test_both_kinds_of_words_leave_the_time_unknown(rules: DraftRules) -> None:
    text = "Vanavond ouderavond, tijdens de les al klaargezet. Het Kofschip is er klaar voor."
    findings = _check(text, rules)
    assert _ids(findings) == ["B1", "C3"]
    assert "(C.2)" in findings[0].reason.nl


# ------------------------------------------------------------------------- school, disclaimer


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("during_work", [True, False, None])
def test_the_suggestions_resolve_their_findings(
    lang: str, during_work: bool | None, rules: DraftRules
) -> None:
    draft = "Morgen is het open dag op Het Kofschip."
    findings = _check(draft, rules, during_work=during_work)
    assert _ids(findings) == ["C2" if during_work is False else "B1", "C3"]
    additions = [f.suggestion.get(lang) for f in findings if f.suggestion is not None]
    fixed = " ".join([draft, *dict.fromkeys(additions)])
    assert _check(fixed, rules, during_work=during_work) == ()


def test_disclaimer_alone_raises_nothing(rules: DraftRules) -> None:
    for lang in ("nl", "en"):
        assert _check("Mooie dag! " + disclaimer(SCHOOL).get(lang), rules) == ()


def test_school_in_a_third_party_sentence_still_counts(rules: DraftRules) -> None:
    text = "Het Kofschip is niet verantwoordelijk voor de schade."
    assert _ids(_check(text, rules)) == ["B1", "C3"]


def test_disclaimer_is_filled_with_the_school() -> None:
    text = disclaimer("De Regenboog")
    assert "officiële standpunten van De Regenboog." in text.nl
    assert "official positions of De Regenboog." in text.en
    assert "{school}" not in text.nl + text.en
    assert "mijn school" in disclaimer("   ").nl


def test_c3_suggestion_is_the_disclaimer(rules: DraftRules) -> None:
    findings = _check("Trots op Het Kofschip!", rules)
    c3 = findings[-1]
    assert c3.clause_id == "C3"
    assert c3.suggestion == disclaimer(SCHOOL)
    assert c3.suggestion.nl.startswith("De standpunten en meningen in dit bericht")


def test_school_name_is_whole_words_only(rules: DraftRules) -> None:
    assert _check("Het Kofschipteam wint.", rules) == ()
    assert _ids(_check("Het Kofschip wint.", rules)) == ["B1", "C3"]
    assert _ids(_check("Wij van Kofschip winnen.", rules)) == ["B1", "C3"]
    assert _ids(_check("#kofschip wint", rules)) == ["B1", "C3"]
    assert _check("een kofschip in de haven", rules) == ()


def test_blank_or_odd_school_names_do_not_break_the_check(rules: DraftRules) -> None:
    for school in ("", "   ", "🙂", "{school}", "Het", "x" * 10_000):
        findings = check_draft(Draft("De school is top."), school=school, rules=rules)
        assert _ids(findings) == ["B1", "C3"]


# ------------------------------------------------------------------------------ formatting


def test_format_without_findings_says_it_is_no_approval() -> None:
    nl, en = format_findings((), "nl"), format_findings((), "en")
    assert "Geen enkel artikel" in nl and "geen goedkeuring" in nl
    assert "No clause" in en and "not an approval" in en
    assert format_findings([], "fr") == nl


def test_format_lists_each_finding(rules: DraftRules) -> None:
    findings = _check("Foto's van de school! Bel 06-12345678.", rules)
    text = format_findings(findings, "en")
    assert text.splitlines()[0].startswith("This draft may touch 5 clauses")
    for number in ("1. A.1:", "2. A.5:", "3. B.1:", "4. C.1:", "5. C.3:"):
        assert f"\n{number} " in text
    assert 'Found: "06-…"' in text
    assert 'Text to add: "The views and opinions' in text
    assert "12345678" not in text
    assert text.splitlines()[-1].startswith("This is not an approval")


def test_format_in_dutch_counts_one_clause(rules: DraftRules) -> None:
    text = format_findings(_check("Wat een idioten.", rules), "nl")
    assert text.splitlines()[0].startswith("Dit concept raakt mogelijk aan 1 artikel van")
    assert '1. A.7: Mogelijk kwetsende of dreigende taal (beledigend: "idioten")' in text
    assert 'Gevonden: "idioten"' in text


# ------------------------------------------------------------------------------ the loader


def _copy_knowledge(tmp_path: Path) -> Path:
    for name in (OFFENSIVE_FILE, DRAFTCHECK_FILE, FIRST_NAMES_FILE):
        shutil.copy(knowledge_dir() / name, tmp_path / name)
    return tmp_path


def _problems(folder: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_draft_rules(folder)
    return [str(problem) for problem in caught.value.problems]


def test_bundled_rules_load() -> None:
    rules = load_draft_rules()
    assert rules.insults.index and rules.threats.index
    assert "kut" in rules.insults.heads
    assert rules.contact_window == 12


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    (folder / OFFENSIVE_FILE).write_text("insult:\n  nl: [idioot\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_draft_rules(folder)
    (problem,) = caught.value.problems
    assert problem.file == str(folder / OFFENSIVE_FILE)
    assert problem.where.startswith("line ")
    assert problem.message.startswith("YAML syntax")


def test_missing_field_is_named(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    (folder / OFFENSIVE_FILE).write_text("insult: {nl: [idioot], en: [idiot]}\n", "utf-8")
    assert _problems(folder) == [f"{folder / OFFENSIVE_FILE}: threat: Field required"]


def test_missing_translation_is_named(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    raw = yaml.safe_load((folder / DRAFTCHECK_FILE).read_text(encoding="utf-8"))
    del raw["disclaimer"]["opinion"]["en"]
    raw["contact"]["window"] = "wide"
    (folder / DRAFTCHECK_FILE).write_text(yaml.safe_dump(raw), encoding="utf-8")
    problems = _problems(folder)
    assert f"{folder / DRAFTCHECK_FILE}: disclaimer.opinion.en: Field required" in problems
    assert any(p.startswith(f"{folder / DRAFTCHECK_FILE}: contact.window: ") for p in problems)


def test_bad_terms_are_named(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    offensive = (
        "insult: {nl: [idioot, '!!'], en: [idiot], compound_heads: {nl: [kut wijf]}}\n"
        "threat: {nl: [ik sla je], en: [kill you]}\n"
    )
    (folder / OFFENSIVE_FILE).write_text(offensive, encoding="utf-8")
    file = folder / OFFENSIVE_FILE
    assert _problems(folder) == [
        f"{file}: insult.nl.1: '!!' has no letters or digits",
        f"{file}: insult.compound_heads.nl.0: 'kut wijf' must be one word",
    ]


def test_unknown_keys_and_missing_files_are_all_reported(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    text = (folder / OFFENSIVE_FILE).read_text(encoding="utf-8")
    (folder / OFFENSIVE_FILE).write_text(text + "slurs: [x]\n", encoding="utf-8")
    (folder / DRAFTCHECK_FILE).unlink()
    problems = _problems(folder)
    assert len(problems) == 2
    assert problems[0].startswith(f"{folder / OFFENSIVE_FILE}: slurs: Extra inputs")
    assert problems[1].startswith(f"{folder / DRAFTCHECK_FILE}: cannot read the file")


def test_names_file_problems_are_reported(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    (folder / FIRST_NAMES_FILE).write_text("# names\nSem\nAnne Sophie\n\nLotte # ok\n", "utf-8")
    assert _problems(folder) == [
        f"{folder / FIRST_NAMES_FILE}: line 3: 'Anne Sophie' must be one word"
    ]
    (folder / FIRST_NAMES_FILE).unlink()
    (problem,) = _problems(folder)
    assert problem.startswith(f"{folder / FIRST_NAMES_FILE}: (file): cannot read the file")


def test_bundled_names_list_is_a_few_hundred_names(rules: DraftRules) -> None:
    names = rules.names.first_names
    assert 300 <= len(names) <= 600
    assert {"sem", "lotte", "daan", "noor", "fatima", "mohammed", "zoe", "emma", "noah"} <= names
    assert not names & {"ben", "mark", "may", "hope", "job", "lieve", "milan"}
    assert rules.names.word_names <= names


def test_empty_file_is_reported(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    (folder / DRAFTCHECK_FILE).write_text("", encoding="utf-8")
    (problem,) = _problems(folder)
    assert problem.startswith(f"{folder / DRAFTCHECK_FILE}: (top level): ")


# ------------------------------------------------------------------------------ robustness


def test_long_drafts_are_clipped_and_fast(rules: DraftRules) -> None:
    text = ("Bel 06-12345678 of mail a@b.nl! " * 5000) + " idioot"
    started = time.perf_counter()
    findings = _check(text, rules)
    assert time.perf_counter() - started < 2.0
    assert _ids(findings) == ["A1", "C1"]  # the insult lies beyond DRAFT_LIMIT
    assert len(text) > DRAFT_LIMIT


@pytest.mark.parametrize(
    "text",
    ["a" * 20_000, "@" * 20_000, "a." * 10_000, "0" * 20_000, "(" * 20_000, "Aa " * 7_000],
)
def test_pathological_input_is_fast(text: str, rules: DraftRules) -> None:
    started = time.perf_counter()
    _check(text, rules, link=text)
    assert time.perf_counter() - started < 2.0


_TRICKY = st.text(alphabet="0123456789 +-.()@#:/'’AaBbKkSsé\u0301\x00\n📸", max_size=300)


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.text(max_size=3000), _TRICKY),
    school=st.text(max_size=60),
    link=st.one_of(st.none(), st.text(max_size=200), _TRICKY),
    media=st.booleans(),
)
def test_check_draft_never_raises(text: str, school: str, link: str | None, media: bool) -> None:
    rules = default_draft_rules()
    findings = check_draft(Draft(text, link, media), school=school, rules=rules)
    ids = _ids(findings)
    assert ids == [c for c in CLAUSE_ORDER if c in ids]
    assert len(ids) == len(set(ids))
    assert not {"B1", "C2"} <= set(ids)
    for lang in ("nl", "en"):
        assert format_findings(findings, lang)


# ------------------------------------------------------ the doubt check passes the time on


@pytest.mark.parametrize(
    ("publish_at", "expected"),
    [
        (datetime(2025, 3, 11, 10, 30, tzinfo=AMSTERDAM), ["B1", "C3"]),  # Tuesday morning
        (datetime(2025, 3, 11, 20, 0, tzinfo=AMSTERDAM), ["C2", "C3"]),  # Tuesday evening
        (datetime(2025, 3, 15, 10, 30, tzinfo=AMSTERDAM), ["C2", "C3"]),  # Saturday
        (None, ["B1", "C3"]),  # unknown: one finding naming both
    ],
)
def test_the_doubt_checks_publish_time_picks_b1_or_c2(
    publish_at: datetime | None, expected: list[str], rules: DraftRules
) -> None:
    ctx = cast(Context, SimpleNamespace(org=load_org(), draft_rules=rules))
    draft = DoubtDraft(text="Het Kofschip zoekt een vakleerkracht gym.", publish_at=publish_at)
    findings = run_draft_check(ctx, draft, SCHOOL)
    assert _ids(findings) == expected
    if publish_at is None:
        assert "(C.2)" in findings[0].reason.nl
