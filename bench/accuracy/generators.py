"""Valid, checksummed identifier values and disguises, generated from a seeded ``random.Random``."""

from __future__ import annotations

import base64
import json
import random
import string

from gateway.recognizers.checksums import luhn_check_digit

FIRST = ["James", "Maria", "Robert", "Linda", "Michael", "Susan", "David", "Karen", "Thomas", "Nancy",
         "Daniel", "Laura", "Kevin", "Emily", "Brian", "Rachel", "Steven", "Angela", "Peter", "Helen"]  # fmt: skip
LAST = ["Johnson", "Garcia", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Moore", "Jackson", "Martin",
        "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Robinson", "Young", "Allen", "King"]  # fmt: skip
STREETS = ["Main", "Oak", "Maple", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park"]
STREET_TYPES = ["Street", "Avenue", "Road", "Lane", "Drive", "Boulevard", "St", "Ave"]
CITIES = [("Springfield", "IL"), ("Columbus", "OH"), ("Madison", "WI"), ("Austin", "TX"), ("Salem", "OR")]
BICS = ["DEUTDEFF", "CHASUS33", "BOFAUS3N", "HSBCGB2L", "BNPAFRPP", "COBADEFFXXX", "CITIUS33", "MIDLGB22"]
DOMAINS = ["example.com", "example.org", "mail.example.net", "clinic.example.co.uk"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip
MBI_ALPHA = "ACDEFGHJKMNPQRTUVWXY"


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def ssn(rng: random.Random) -> str:
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            value = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
            if value not in ("123456789", "078051120") and len(set(value)) > 1:
                return f"{value[:3]}-{value[3:5]}-{value[5:]}"


def invalid_ssn(rng: random.Random) -> str:
    area = rng.choice(["000", "666", f"{rng.randint(900, 999)}"])
    return f"{area}-{rng.randint(1, 69):02d}-{rng.randint(1, 9999):04d}"


def itin(rng: random.Random) -> str:
    return f"9{digits(rng, 2)}-{rng.choice([*range(70, 89), 90, 91, 92, *range(94, 100)])}-{digits(rng, 4)}"


def credit_card(rng: random.Random) -> str:
    prefix, length = rng.choice([("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15), ("6011", 16)])
    body = prefix + digits(rng, length - len(prefix) - 1)
    number = body + luhn_check_digit(body)
    if length == 15:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    sep = rng.choice([" ", "-", ""])
    return sep.join(number[i : i + 4] for i in range(0, 16, 4))


def non_luhn_16(rng: random.Random) -> str:
    body = "4" + digits(rng, 14)
    check = luhn_check_digit(body)
    return body + str((int(check) + rng.randint(1, 9)) % 10)


def npi(rng: random.Random) -> str:
    body = rng.choice("12") + digits(rng, 8)
    return body + luhn_check_digit("80840" + body)


def dea(rng: random.Random, surname: str) -> str:
    d = [rng.randint(0, 9) for _ in range(6)]
    check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    return rng.choice("ABFM") + surname[0].upper() + "".join(map(str, d)) + str(check)


def mbi(rng: random.Random) -> str:
    def a() -> str:
        return rng.choice(MBI_ALPHA)

    def an() -> str:
        return rng.choice(MBI_ALPHA + string.digits)

    def n() -> str:
        return rng.choice(string.digits)

    value = f"{rng.randint(1, 9)}{a()}{an()}{n()}{a()}{an()}{n()}{a()}{a()}{n()}{n()}"
    return f"{value[:4]}-{value[4:7]}-{value[7:]}" if rng.random() < 0.5 else value


def iban(rng: random.Random) -> str:
    country, bban = rng.choice(
        [
            ("DE", digits(rng, 18)),
            ("GB", "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4)) + digits(rng, 14)),
        ]
    )
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    compact = f"{country}{check:02d}{bban}"
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4)) if rng.random() < 0.5 else compact


def aba(rng: random.Random) -> str:
    body = rng.choice("0123") + digits(rng, 7)
    weights = (3, 7, 1, 3, 7, 1, 3, 7)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + str((10 - total % 10) % 10)


def account_number(rng: random.Random) -> str:
    return digits(rng, rng.randint(10, 12))


def phone(rng: random.Random) -> str:
    area, exchange, line = (
        f"{rng.randint(2, 9)}{digits(rng, 2)}",
        f"{rng.randint(2, 9)}{digits(rng, 2)}",
        digits(rng, 4),
    )
    return rng.choice([f"({area}) {exchange}-{line}", f"{area}-{exchange}-{line}", f"{area}.{exchange}.{line}"])


def email(rng: random.Random, name: str) -> str:
    first, last = name.lower().split()
    return f"{first}.{last}@{rng.choice(DOMAINS)}"


def street_address(rng: random.Random) -> str:
    city, state = rng.choice(CITIES)
    return f"{rng.randint(10, 9999)} {rng.choice(STREETS)} {rng.choice(STREET_TYPES)}, {city}, {state} {digits(rng, 5)}"


def birth_date(rng: random.Random) -> str:
    year, month, day = rng.randint(1935, 2004), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice(
        [f"{month:02d}/{day:02d}/{year}", f"{year}-{month:02d}-{day:02d}", f"{MONTHS[month - 1]} {day}, {year}"]
    )


def ip_address(rng: random.Random) -> str:
    return rng.choice([f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                       f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                       f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"])  # fmt: skip


def passport(rng: random.Random) -> str:
    return rng.choice([digits(rng, 9), rng.choice("ACEFGH") + digits(rng, 8)])


def driver_license(rng: random.Random) -> str:
    return rng.choice("ABDGKMS") + digits(rng, rng.choice([7, 8, 12]))


def aws_key(rng: random.Random) -> str:
    return "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))


def github_token(rng: random.Random) -> str:
    return "ghp_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(36))


def slack_token(rng: random.Random) -> str:
    return f"xoxb-{digits(rng, 12)}-{digits(rng, 13)}-" + "".join(rng.choice(string.ascii_letters) for _ in range(24))


def jwt(rng: random.Random) -> str:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    signature = "".join(rng.choice(string.ascii_letters + string.digits + "-_") for _ in range(43))
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': digits(rng, 8), 'iat': 1700000000})}.{signature}"


def pem_key(rng: random.Random) -> str:
    body = "\n".join(
        "".join(rng.choice(string.ascii_letters + string.digits + "+/") for _ in range(64)) for _ in range(3)
    )
    return f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"


def password_assignment(rng: random.Random) -> str:
    word = rng.choice(["Summer", "Winter", "Falcon", "Orange", "Harbor"])
    return f"{rng.choice(['password', 'DB_PASSWORD', 'pwd'])}={word}{rng.randint(10, 99)}{rng.choice('!#$%')}"


# --- disguises: each returns the disguised text of a value ---

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
HOMOGLYPHS = {"A": "А", "E": "Е", "I": "І", "O": "О", "P": "Р", "C": "С", "T": "Т", "X": "Х", "S": "Ѕ"}


def zero_width(rng: random.Random, value: str) -> str:
    positions = sorted(rng.sample(range(1, len(value)), min(3, len(value) - 1)))
    out, last = [], 0
    for position in positions:
        out += [value[last:position], rng.choice(ZERO_WIDTH)]
        last = position
    return "".join(out) + value[last:]


def fullwidth_digits(rng: random.Random, value: str) -> str:
    base = 0xFF10 if rng.random() < 0.5 else 0x0660  # full-width or Arabic-Indic
    return "".join(chr(base + int(c)) if c.isdigit() else c for c in value)


def separated_digits(rng: random.Random, value: str) -> str:
    compact = "".join(c for c in value if c.isalnum())
    sep = rng.choice([" ", ".", " - ", "\n"])
    if sep == "\n":
        cut = len(compact) // 2
        return compact[:cut] + "\n" + compact[cut:]
    size = rng.choice([1, 3]) if sep == " " else 3
    return sep.join(compact[i : i + size] for i in range(0, len(compact), size))


def homoglyphs(rng: random.Random, value: str) -> str:
    return "".join(HOMOGLYPHS.get(c, c) if rng.random() < 0.7 else c for c in value)


def spaced_lower(rng: random.Random, value: str) -> str:
    return " ".join(value.lower())
