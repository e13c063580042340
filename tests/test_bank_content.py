"""Editorial rules for the real question bank (`questions/`), beyond what `diag-tui validate` checks:
plain French for people who are not IT specialists, sources they can trust."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from diag_tui.referential import Referential, load_referential

QUESTIONS = Path(__file__).parents[1] / "questions"

# Domains of the public sources the bank is written from: each resource address below is quoted
# in those documents (ANSSI, Cybermalveillance.gouv.fr, 17Cyber, CNIL, MesServicesCyber; the
# CERT-FR alert site, the Jecliqueoupas file checker and the DGE "sécurité économique" sheets).
ALLOWED_DOMAINS = {
    "cyber.gouv.fr",
    "jecliqueoupas.cyber.gouv.fr",
    "messervices.cyber.gouv.fr",
    "www.cybermalveillance.gouv.fr",
    "17cyber.gouv.fr",
    "www.cnil.fr",
    "www.cert.ssi.gouv.fr",
    "www.entreprises.gouv.fr",
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
                yield f"{m.id}.{name}", " ".join([level.title, level.why, *level.how])
    for c in ref.contacts:
        yield c.id, f"{c.title} {c.when}"
    for i in ref.incidents:
        yield i.id, " ".join([i.title, *i.steps])
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


def test_the_five_incident_guides(ref):
    assert [i.id for i in ref.incidents] == ["virus", "rancongiciel", "compte_pirate", "faux_conseiller", "intrusion"]
    for incident in ref.incidents:
        assert 4 <= len(incident.steps) <= 7, incident.id
        assert all(step[0].isupper() and step.endswith(".") for step in incident.steps), incident.id
    steps = {i.id: " ".join(i.steps) for i in ref.incidents}
    assert "ne payez pas" in steps["rancongiciel"].lower()
    assert "ne les éteignez pas" in steps["rancongiciel"] or "sans les éteindre" in steps["rancongiciel"]
    assert "72 heures" in steps["rancongiciel"] and "72 heures" in steps["intrusion"]
    assert all("plainte" in text for text in steps.values())


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
