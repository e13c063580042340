"""Editorial rules for the real question bank (`questions/`), beyond what `diag-tui validate` checks:
plain French for people who are not IT specialists, sources they can trust."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from diag_tui.bank.loading import load_referential
from diag_tui.bank.referential import Referential

QUESTIONS = Path(__file__).parents[1] / "questions"

# Domains of the public sources the bank is written from: each resource address below is quoted
# in those documents (ANSSI, Cybermalveillance.gouv.fr, 17Cyber, CNIL, MesServicesCyber; the
# CERT-FR alert site, the Jecliqueoupas file checker and the DGE "sécurité économique" sheets).
ALLOWED_DOMAINS = {
    "cyber.gouv.fr",
    "messervices.cyber.gouv.fr",
    "www.cybermalveillance.gouv.fr",
    "17cyber.gouv.fr",
    "www.cnil.fr",
    "www.cert.ssi.gouv.fr",
    "www.entreprises.gouv.fr",
    "www.service-public.fr",
    "secnumacademie.gouv.fr",
    "monespacenis2.cyber.gouv.fr",
}

# Acronyms a reader may not know: each must be spelled out where it first appears in a text
# that is read on its own (a question with its help, one level of a measure, a contact, an
# incident guide). Everyday words such as SMS, USB, PDF or Wi-Fi are left alone.
ACRONYMS = ("ANSSI", "CNIL", "RGPD", "NAS", "VPN", "RIB", "CERT-FR", "MFA", "EDR", "TPE", "PME", "DGE", "RDP", "PRA")


@pytest.fixture(scope="module")
def ref() -> Referential:
    return load_referential(QUESTIONS)


def texts(ref: Referential):
    """(where, text) for every piece of text that is read on its own."""
    for q in ref.questions:
        yield q.id, " ".join([q.text, *(o.label for o in q.options), q.help])
    for m in ref.measures:
        for name in ("level1", "level2"):
            level = getattr(m, name)
            if level is not None:
                yield f"{m.id}.{name}", " ".join([level.title, level.why, *level.how, level.check])
    for c in ref.contacts:
        yield c.id, f"{c.title} {c.when}"
    for i in ref.incidents:
        yield i.id, " ".join([i.title, *i.steps, i.source])
    for q in ref.questions:
        if q.ask is not None:
            yield f"{q.id}.ask", q.ask.text
    for n in ref.notices:
        yield n.id, f"{n.title} {n.text}"
    if ref.attack_sheet is not None:
        yield "attack_sheet", " ".join([*ref.attack_sheet.gestures, ref.attack_sheet.complaint])
    for t in ref.themes:
        yield t.id, f"{t.title} {t.description}"


def explained(text: str, match: re.Match) -> bool:
    """Followed by an explanation in brackets ("VPN (réseau privé virtuel)") or by
    "c'est-à-dire", or itself the bracketed short form of what precedes ("… entreprise (TPE, PME)")."""
    after = text[match.end():]
    if re.match(r" \((?![A-Z]{2,}\))[^)]*[a-zé]", after) or after.startswith(", c'est-à-dire"):
        return True
    before = text[: match.start()]
    return before.rfind("(") > before.rfind(")")


def test_every_acronym_is_explained_at_first_use(ref):
    problems = []
    for where, text in texts(ref):
        for acronym in ACRONYMS:
            match = re.search(rf"(?<![\w-]){re.escape(acronym)}(?![\w-])", text)
            if match and not explained(text, match):
                problems.append(f"{where}: {acronym} « …{text[max(0, match.start() - 30):match.end() + 30]}… »")
    assert problems == []


def test_resources_point_to_the_sources_domains(ref):
    urls = [(m.id, r.url) for m in ref.measures for r in m.resources] + [(c.id, c.url) for c in ref.contacts]
    assert [(where, url) for where, url in urls if urlparse(url).hostname not in ALLOWED_DOMAINS] == []


def test_every_measure_says_how_in_at_least_three_steps(ref):
    short = [
        f"{m.id}.{name}"
        for m in ref.measures
        for name in ("level1", "level2")
        if getattr(m, name) is not None and len(getattr(m, name).how) < 3
    ]
    assert short == []


GUIDES = ["virus", "rancongiciel", "compte_pirate", "faux_conseiller", "faux_rib", "faux_support", "intrusion",
          "site_defigure", "appareil_perdu"]


def test_the_incident_guides(ref):
    assert [i.id for i in ref.incidents] == GUIDES
    for incident in ref.incidents:
        assert 4 <= len(incident.steps) <= 7, incident.id
        assert all(step[0].isupper() and step.endswith(".") for step in incident.steps), incident.id
        assert incident.source.strip(), incident.id  # the reader sees what the guide is written from
    steps = {i.id: " ".join(i.steps) for i in ref.incidents}
    assert "ne payez pas" in steps["rancongiciel"].lower()
    assert "ne les éteignez pas" in steps["rancongiciel"] or "sans les éteindre" in steps["rancongiciel"]
    assert all("plainte" in text and "72 heures" in text for text in steps.values())
    assert "rappel" in steps["faux_rib"].lower()  # call the bank at once to recall the funds
    assert "Jecliqueoupas".lower() not in " ".join(t for _, t in texts(ref)).lower()  # reserved for State agents


def test_attack_sheet_and_contacts(ref):
    sheet = ref.attack_sheet
    assert sheet is not None and 5 <= len(sheet.gestures) <= 7
    assert "72 heures" in sheet.complaint and "L12-10-1" in sheet.complaint
    attack = {c.id for c in ref.contacts if c.attack}
    assert {"cyber17", "police", "cnil"} <= attack
    assert len({c.url for c in ref.contacts}) == len(ref.contacts)  # the police no longer reuses 17Cyber's address


def test_every_measure_has_a_real_owner_and_a_check(ref):
    for m in ref.measures:
        assert m.owner != "tous les salariés", m.id
        for level in (m.level1, m.level2):
            assert level is None or len(level.check.split()) >= 6, m.id


def test_texts_address_the_reader_and_use_french_typography(ref):
    problems = []
    for where, text in texts(ref):
        if re.search(r"\btu\b|\bton\b|\bta\b|\btes\b", text):
            problems.append(f"{where}: tutoiement")
        if re.search(r"\w[?!;:]", text.replace("https:", "")):
            problems.append(f"{where}: espace manquante avant ? ! ; :")
        if '"' in text:
            problems.append(f"{where}: guillemets droits (écrire « … »)")
    assert problems == []


def test_the_shared_options_have_the_same_place_in_every_question(ref):
    """« Je ne sais pas » is the last option, so the last key, of every scored question, with
    « Non applicable » just before it where there is one: same place, same key, question after
    question (they were in either order)."""
    for q in ref.questions:
        kinds = [o.kind.value for o in q.options]
        answers = kinds.count("answer")
        assert kinds[:answers] == ["answer"] * answers, q.id
        assert kinds[answers:] in ([], ["unknown"], ["not_applicable", "unknown"]), (q.id, kinds)
        if q.scored:
            assert q.options[-1].label == "Je ne sais pas", q.id
