"""The labelled accuracy corpus, generated deterministically (seeded) by code.

Each case is one conversation with its expected entity spans (offsets into the
message text as written, disguises included). Kinds: ``clean``, ``disguised``
(with the disguise named), ``negative`` (look-alikes only) and ``multi``
(several messages; some values split across two user messages).
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from dataclasses import dataclass

from bench.accuracy import generators as g
from gateway.types import Message

SEED = 20240501
REPEATS = 6


@dataclass(frozen=True)
class GoldSpan:
    message_index: int
    start: int
    end: int
    entity_type: str


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # clean | disguised | negative | multi
    disguise: str  # "" or the disguise's name
    persona: str
    messages: tuple[Message, ...]
    spans: tuple[GoldSpan, ...]


class _Conversation:
    """Builds messages piece by piece, recording the span of every labelled value."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []
        self.spans: list[GoldSpan] = []
        self._parts: list[str] = []
        self._role = "user"

    def text(self, piece: str) -> _Conversation:
        self._parts.append(piece)
        return self

    def value(self, piece: str, entity_type: str) -> _Conversation:
        start = sum(len(p) for p in self._parts)
        self._parts.append(piece)
        self.spans.append(GoldSpan(len(self.messages), start, start + len(piece), entity_type))
        return self

    def send(self, role: str = "user") -> _Conversation:
        self.messages.append((role, "".join(self._parts)))
        self._parts = []
        return self

    def case(self, case_id: str, kind: str, persona: str, disguise: str = "") -> Case:
        if self._parts:
            self.send()
        messages = tuple(Message(i, role, text) for i, (role, text) in enumerate(self.messages))
        return Case(case_id, kind, disguise, persona, messages, tuple(self.spans))


Template = Callable[[random.Random, _Conversation], None]


def _nurse(rng: random.Random) -> list[Template]:
    surname = rng.choice(g.LAST)
    return [
        lambda r, c: (
            c.text("Can you summarise this discharge note? Patient ")
            .value(g.person(r), "PERSON")
            .text(", DOB ")
            .value(g.birth_date(r), "DATE_OF_BIRTH")
            .text(", MRN: ")
            .value(g.digits(r, 8), "MEDICAL_RECORD_NUMBER")
            .text(", was admitted with chest pain and given 325 mg aspirin.")
        ),
        lambda r, c: (
            c.text("Draft a referral letter for ")
            .value(g.person(r), "PERSON")
            .text(" (SSN ")
            .value(g.ssn(r), "US_SSN")
            .text(") to the cardiology clinic, referring provider NPI ")
            .value(g.npi(r), "US_NPI")
            .text(".")
        ),
        lambda r, c: (
            c.text("Insurance keeps denying the claim for Member ID: ")
            .value("XK" + g.digits(r, 9), "HEALTH_PLAN_ID")
            .text("; Medicare MBI ")
            .value(g.mbi(r), "US_MBI")
            .text(". What should I write in the appeal?")
        ),
        lambda r, c: (
            c.text("The prescriber DEA number is ")
            .value(g.dea(r, surname), "US_DEA")
            .text(" - is that the right format for the controlled substance form?")
        ),
        lambda r, c: (
            c.text("The patient called from ")
            .value(g.phone(r), "PHONE_NUMBER")
            .text(" about her lab results; reply to ")
            .value(g.email(r, g.person(r)), "EMAIL_ADDRESS")
            .text(" in plain language.")
        ),
        lambda r, c: (
            c.text("Update the home address on file to ")
            .value(g.street_address(r), "STREET_ADDRESS")
            .text(" for the chart.")
        ),
    ]


def _analyst(rng: random.Random) -> list[Template]:
    return [
        lambda r, c: (
            c.text("Wire instructions: routing number ")
            .value(g.aba(r), "ABA_ROUTING")
            .text(", account number ")
            .value(g.account_number(r), "US_BANK_ACCOUNT")
            .text(". Can you check the format?")
        ),
        lambda r, c: (
            c.text("The client's IBAN is ")
            .value(g.iban(r), "IBAN_CODE")
            .text(" and the SWIFT code is ")
            .value(r.choice(g.BICS), "SWIFT_BIC")
            .text("; summarise the transfer fees.")
        ),
        lambda r, c: (
            c.text("A customer paid with card ")
            .value(g.credit_card(r), "CREDIT_CARD")
            .text(" and it was declined twice. Why?")
        ),
        lambda r, c: (
            c.text("Verify the taxpayer ITIN ").value(g.itin(r), "US_ITIN").text(" on the W-7 form before filing.")
        ),
        lambda r, c: (
            c.text("Loan applicant ")
            .value(g.person(r), "PERSON")
            .text(", SSN ")
            .value(g.ssn(r), "US_SSN")
            .text(", passport number ")
            .value(g.passport(r), "US_PASSPORT")
            .text(". Summarise the risk checks we still need.")
        ),
        lambda r, c: (
            c.text("KYC file: date of birth ")
            .value(g.birth_date(r), "DATE_OF_BIRTH")
            .text(", driver's license ")
            .value(g.driver_license(r), "US_DRIVER_LICENSE")
            .text(". Is anything missing?")
        ),
    ]


def _engineer(rng: random.Random) -> list[Template]:
    return [
        lambda r, c: (
            c.text("This drawing is ")
            .value("ITAR", "EXPORT_CONTROL")
            .text(" controlled - can you summarise the tolerances?")
        ),
        lambda r, c: (
            c.text("Export classification for the FPGA board is ")
            .value(f"ECCN {r.choice(['3A001', '5A002', '3E001', '9E003'])}", "EXPORT_CONTROL")
            .text("; draft the shipping note.")
        ),
        lambda r, c: (
            c.text("The gimbal assembly falls under ")
            .value(f"USML Category {r.choice(['XI', 'XII', 'IV', 'XV'])}", "EXPORT_CONTROL")
            .text(". Rewrite the test plan summary.")
        ),
        lambda r, c: (
            c.text("Banner: ")
            .value(r.choice(["CUI//SP-CTI", "CUI//SP-EXPT", "CUI"]), "CUI_MARKING")
            .text(". Summarise the supplier audit findings.")
        ),
        lambda r, c: c.value(
            r.choice(["SECRET//NOFORN", "TOP SECRET//SI//NOFORN", "CONFIDENTIAL//REL TO USA, GBR"]),
            "CLASSIFICATION_MARKING",
        ).text("\nPlease tighten the wording of this paragraph about the test range."),
        lambda r, c: c.value(
            r.choice(["PROPRIETARY AND CONFIDENTIAL", "Company Confidential", "TRADE SECRET"]), "PROPRIETARY_MARKING"
        ).text(" - heat treatment process spec rev C. Translate it to German."),
        lambda r, c: (
            c.text("Supplier contact ")
            .value(g.person(r), "PERSON")
            .text(", phone ")
            .value(g.phone(r), "PHONE_NUMBER")
            .text(", needs the revised quote by Friday.")
        ),
    ]


def _hr(rng: random.Random) -> list[Template]:
    return [
        lambda r, c: (
            c.text("Employee ")
            .value(g.person(r), "PERSON")
            .text(" (SSN ")
            .value(g.ssn(r), "US_SSN")
            .text(") lives at ")
            .value(g.street_address(r), "STREET_ADDRESS")
            .text("; prepare the onboarding letter.")
        ),
        lambda r, c: (
            c.text("New hire ")
            .value(g.person(r), "PERSON")
            .text(", date of birth ")
            .value(g.birth_date(r), "DATE_OF_BIRTH")
            .text(", starts Monday. Write a welcome email.")
        ),
        lambda r, c: (
            c.text("Please draft a reminder to ")
            .value(g.email(r, g.person(r)), "EMAIL_ADDRESS")
            .text(" about the benefits enrollment deadline.")
        ),
        lambda r, c: (
            c.text("Direct deposit form: bank account number ")
            .value(g.account_number(r), "US_BANK_ACCOUNT")
            .text(", routing number ")
            .value(g.aba(r), "ABA_ROUTING")
            .text(". Check it is complete.")
        ),
    ]


def _developer(rng: random.Random) -> list[Template]:
    return [
        lambda r, c: (
            c.text("Why does boto3 fail? My config has aws_access_key_id = ")
            .value(g.aws_key(r), "SECRET")
            .text(" and region us-east-1.")
        ),
        lambda r, c: (
            c.text("Here is my .env:\n")
            .value(g.password_assignment(r), "SECRET")
            .text("\nDB_HOST=localhost\nWhy can't I connect?")
        ),
        lambda r, c: c.text("Debug this request header: Authorization: Bearer ").value(g.jwt(r), "SECRET"),
        lambda r, c: (
            c.text("The server at ")
            .value(g.ip_address(r), "IP_ADDRESS")
            .text(" rejects connections on port 5432; what should I check?")
        ),
        lambda r, c: c.text("My Slack bot token ").value(g.slack_token(r), "SECRET").text(" returns invalid_auth."),
        lambda r, c: c.text("Is this key format right?\n").value(g.pem_key(r), "SECRET"),
        lambda r, c: (
            c.text("Push fails with token ").value(g.github_token(r), "SECRET").text(", how do I fix the scopes?")
        ),
    ]


PERSONAS: dict[str, Callable[[random.Random], list[Template]]] = {
    "nurse": _nurse, "analyst": _analyst, "engineer": _engineer, "hr": _hr, "developer": _developer,
}  # fmt: skip

NEGATIVES: list[Callable[[random.Random], str]] = [
    lambda r: f"Invoice INV-2024-{g.digits(r, 6)} for order #{g.non_luhn_16(r)} is overdue; draft a polite reminder.",
    lambda r: f"Order number {g.non_luhn_16(r)} shipped yesterday; write the customer update.",
    lambda r: f"Our test data uses SSN {g.invalid_ssn(r)}, which is invalid by design. Explain why.",
    lambda r: (
        f"Cite the book with ISBN 978-{r.randint(0, 1)}-{g.digits(r, 3)}-{g.digits(r, 5)}-{r.randint(0, 9)} in APA style."
    ),
    lambda r: f"Part number PN {g.digits(r, 4)}-{g.digits(r, 4)}-A is back-ordered; suggest an alternative.",
    lambda r: (
        f"Upgrade the service from version {r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 20)}.{r.randint(0, 99)} and list breaking changes."
    ),
    lambda r: (
        f"The job ran at 2024-0{r.randint(1, 9)}-1{r.randint(0, 9)} 1{r.randint(0, 9)}:{r.randint(10, 59)}:{r.randint(10, 59)} UTC and failed with exit code 137."
    ),
    lambda r: (
        f"Give {r.choice([250, 500, 875])} mg amoxicillin every 8 hours, max {r.choice([3000, 4000])} mg per day. Explain the dosing."
    ),
    lambda r: (
        f"Q3 revenue grew {r.randint(2, 30)}.{r.randint(0, 9)}% to ${r.randint(1, 9)},{g.digits(r, 3)},{g.digits(r, 3)}; summarise for the board."
    ),
    lambda r: "Write a job ad for a senior accountant with five years of experience.",
    lambda r: f"The secret to a good sourdough is time; write a {r.randint(3, 9)}-step recipe.",
    lambda r: f"Ticket #{g.digits(r, 7)} reports slow queries; the table has {g.digits(r, 6)} rows.",
    lambda r: f"Tracking number 1Z{g.digits(r, 16)} shows the parcel in Memphis.",
    lambda r: f"Measure {r.randint(10, 99)}.{r.randint(1, 9)} mm across the flange at {r.randint(100, 400)} degrees.",
    lambda r: f"Serial SN-{g.digits(r, 10)} failed the burn-in test; explain common causes.",
]


def _disguised(rng: random.Random) -> list[tuple[str, Template]]:
    def ssn_with(disguise: Callable[[random.Random, str], str]) -> Template:
        return lambda r, c: (
            c.text("Patient SSN is ").value(disguise(r, g.ssn(r)), "US_SSN").text(", please update the intake form.")
        )

    def card_with(disguise: Callable[[random.Random, str], str]) -> Template:
        return lambda r, c: (
            c.text("Refund the card ").value(disguise(r, g.credit_card(r)), "CREDIT_CARD").text(" today.")
        )

    def encoded(encode: Callable[[bytes], str]) -> Template:
        return lambda r, c: c.text("Decode and check this record: ").value(encode(f"SSN {g.ssn(r)}".encode()), "US_SSN")

    return [
        ("zero_width", ssn_with(g.zero_width)),
        ("zero_width", card_with(g.zero_width)),
        ("unicode_digits", ssn_with(g.fullwidth_digits)),
        ("unicode_digits", card_with(g.fullwidth_digits)),
        ("separated_digits", ssn_with(g.separated_digits)),
        ("separated_digits", card_with(g.separated_digits)),
        (
            "separated_digits",
            lambda r, c: (
                c.text("Prescriber NPI ").value(g.separated_digits(r, g.npi(r)), "US_NPI").text(" on the claim.")
            ),
        ),
        (
            "homoglyphs",
            lambda r, c: (
                c.text("This file is ")
                .value(g.homoglyphs(r, "ITAR"), "EXPORT_CONTROL")
                .text(" controlled, summarise it.")
            ),
        ),
        (
            "homoglyphs",
            lambda r, c: c.value(g.homoglyphs(r, "SECRET//NOFORN"), "CLASSIFICATION_MARKING").text(
                " Rewrite this paragraph."
            ),
        ),
        (
            "spaced_markings",
            lambda r, c: (
                c.text("note: ").value(g.spaced_lower(r, "ITAR"), "EXPORT_CONTROL").text(" controlled drawing attached")
            ),
        ),
        (
            "spaced_markings",
            lambda r, c: c.text("marking ").value(g.spaced_lower(r, "CUI"), "CUI_MARKING").text(", summarise the memo"),
        ),
        ("base64", encoded(lambda raw: base64.b64encode(raw).decode())),
        ("hex", encoded(lambda raw: raw.hex())),
        (
            "percent",
            encoded(lambda raw: "".join(f"%{b:02X}" if chr(b).isdigit() else chr(b) for b in raw).replace(" ", "%20")),
        ),
    ]


def _split(rng: random.Random, c: _Conversation, entity: str, value: str, lead: str) -> None:
    cut = rng.randint(3, len(value) - 3)
    c.text(lead).value(value[:cut], entity).send()
    c.text("sorry, hit enter too early").send("assistant")
    c.value(value[cut:], entity).text(" - that's the full number.").send()


def _multi(rng: random.Random, index: int) -> Case:
    c = _Conversation()
    if index % 3 == 0:
        _split(rng, c, "US_SSN", g.ssn(rng), "Add this SSN to the form: ")
        return c.case(f"multi-{index}", "multi", "hr", "split")
    if index % 3 == 1:
        _split(rng, c, "CREDIT_CARD", "".join(ch for ch in g.credit_card(rng) if ch.isdigit()), "Card for the refund: ")
        return c.case(f"multi-{index}", "multi", "analyst", "split")
    c.text("You are a helpful clinical documentation assistant.").send("system")
    c.text("Summarise the visit for ").value(g.person(rng), "PERSON").text(", MRN: ").value(
        g.digits(rng, 7), "MEDICAL_RECORD_NUMBER"
    ).send()
    c.text("Here is a draft summary of the visit.").send("assistant")
    c.text("Make it shorter and friendlier.").send()
    return c.case(f"multi-{index}", "multi", "nurse")


def build_corpus(seed: int = SEED) -> list[Case]:
    """Every case of the corpus, identical for a given seed."""
    rng = random.Random(seed)
    cases: list[Case] = []
    for persona, templates in PERSONAS.items():
        for t_index, template in enumerate(templates(rng)):
            for repeat in range(REPEATS):
                c = _Conversation()
                template(rng, c)
                cases.append(c.case(f"{persona}-{t_index}-{repeat}", "clean", persona))
    for d_index, (disguise, template) in enumerate(_disguised(rng)):
        for repeat in range(8):
            c = _Conversation()
            template(rng, c)
            cases.append(c.case(f"disguised-{d_index}-{repeat}", "disguised", "mixed", disguise))
    for n_index, negative in enumerate(NEGATIVES):
        for repeat in range(8):
            c = _Conversation()
            c.text(negative(rng))
            cases.append(c.case(f"negative-{n_index}-{repeat}", "negative", "mixed"))
    cases.extend(_multi(rng, index) for index in range(30))
    return cases
