"""Generators of identifiers with valid (or deliberately invalid) checksums. Seeded via ``random.Random``.

The generators shared with ``bench.heldout`` live in ``bench.ids`` and are re-exported here under this
corpus's names; the ones below draw differently from their ``bench.heldout.ids`` namesakes.
"""

from __future__ import annotations

import random
import string

from bench import ids as common
from bench.ids import MBI_ALPHA, alnum, aws_secret, hexstr, luhn_ok, npi
from bench.ids import rdigits as _digits

__all__ = [
    "BIC_COUNTRIES", "CARD_BRANDS", "IBAN_BBAN", "ITIN_GROUPS", "aba", "alnum", "aws_key", "aws_secret", "bad_iban",
    "bank_account", "bic", "card", "dea", "drivers_license", "fmt_card", "fmt_iban", "fmt_mbi", "gh_token", "hexstr",
    "iban", "invalid_ssn", "isbn13", "itin", "jwt", "luhn_complete", "luhn_ok", "mbi", "non_luhn16", "npi",
    "passport", "password", "slack_token", "ssn", "uuid",
]  # fmt: skip

aws_key = common.aws_key_id
gh_token = common.github_pat
slack_token = common.slack_bot
uuid = common.uuid4
fmt_card = common.group_card
fmt_iban = common.group4


def luhn_complete(prefix: str) -> str:
    return prefix + common.luhn_digit(prefix)


def isbn13(r: random.Random) -> str:
    n = common.isbn13(r)
    return f"{n[:3]}-{n[3]}-{n[4:8]}-{n[8:12]}-{n[12]}"


CARD_BRANDS = {
    "visa": (["4"], 16),
    "mastercard": (["51", "52", "53", "54", "55", "2221", "2500", "2720"], 16),
    "amex": (["34", "37"], 15),
    "discover": (["6011", "65"], 16),
    "jcb": (["3528", "3541", "3589"], 16),
    "diners": (["36", "38"], 14),
    "unionpay": (["62"], 16),
    "visa19": (["4"], 19),
}


def card(r: random.Random, brand: str) -> str:
    prefixes, length = CARD_BRANDS[brand]
    p = r.choice(prefixes)
    return luhn_complete(p + _digits(r, length - len(p) - 1))


def non_luhn16(r: random.Random) -> str:
    while True:
        n = r.choice("123456789") + _digits(r, 15)
        if not luhn_ok(n):
            return n


def ssn(r: random.Random) -> str:
    while True:
        area = r.randint(1, 899)
        if area == 666:
            continue
        group, serial = r.randint(1, 99), r.randint(1, 9999)
        s = f"{area:03d}-{group:02d}-{serial:04d}"
        if s not in ("123-45-6789", "078-05-1120", "219-09-9999"):
            return s


def invalid_ssn(r: random.Random) -> str:
    kind = r.choice(["000", "666", "9xx", "group00", "serial0000"])
    if kind == "000":
        return f"000-{r.randint(10, 99):02d}-{r.randint(1000, 9999)}"
    if kind == "666":
        return f"666-{r.randint(10, 99):02d}-{r.randint(1000, 9999)}"
    if kind == "9xx":  # 9xx area with a group outside every ITIN range (01-49 except none) -> neither SSN nor ITIN
        return f"9{r.randint(10, 99)}-{r.randint(10, 49):02d}-{r.randint(1000, 9999)}"
    if kind == "group00":
        return f"{r.randint(100, 599)}-00-{r.randint(1000, 9999)}"
    return f"{r.randint(100, 599)}-{r.randint(10, 99):02d}-0000"


ITIN_GROUPS = list(range(70, 89)) + [90, 91, 92] + list(range(94, 100))


def itin(r: random.Random) -> str:
    return f"9{r.randint(0, 99):02d}-{r.choice(ITIN_GROUPS)}-{r.randint(0, 9999):04d}"


def dea(r: random.Random, last_name: str = "") -> str:
    first = r.choice("ABFGMPRX")
    second = (last_name[:1] or r.choice(string.ascii_uppercase)).upper()
    d = [r.randint(0, 9) for _ in range(6)]
    check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    return first + second + "".join(map(str, d)) + str(check)


def mbi(r: random.Random) -> str:
    an = MBI_ALPHA + list("0123456789")
    parts = [
        str(r.randint(1, 9)),
        r.choice(MBI_ALPHA),
        r.choice(an),
        str(r.randint(0, 9)),
        r.choice(MBI_ALPHA),
        r.choice(an),
        str(r.randint(0, 9)),
        r.choice(MBI_ALPHA),
        r.choice(MBI_ALPHA),
        str(r.randint(0, 9)),
        str(r.randint(0, 9)),
    ]
    return "".join(parts)


def fmt_mbi(m: str) -> str:
    return f"{m[:4]}-{m[4:7]}-{m[7:]}"


def aba(r: random.Random) -> str:
    while True:
        prefix = r.choice([f"{x:02d}" for x in list(range(1, 13)) + list(range(21, 33)) + list(range(61, 73))])
        body = prefix + _digits(r, 6)
        w = [3, 7, 1, 3, 7, 1, 3, 7]
        s = sum(int(c) * k for c, k in zip(body, w, strict=True))
        check = (10 - s % 10) % 10
        n = body + str(check)
        if n != "123456789":
            return n


IBAN_BBAN = {  # country -> pattern: n digit, a upper letter, c alnum
    "DE": "n" * 18,
    "FR": "n" * 10 + "c" * 11 + "nn",
    "GB": "aaaa" + "n" * 14,
    "ES": "n" * 20,
    "NL": "aaaa" + "n" * 10,
    "IT": "a" + "n" * 10 + "c" * 12,
    "CH": "n" * 17,
    "BE": "n" * 12,
    "PL": "n" * 24,
    "AT": "n" * 16,
}


def iban(r: random.Random, country: str) -> str:
    out = []
    for p in IBAN_BBAN[country]:
        if p == "n":
            out.append(r.choice(string.digits))
        elif p == "a":
            out.append(r.choice(string.ascii_uppercase))
        else:
            out.append(r.choice(string.digits + string.ascii_uppercase))
    bban = "".join(out)
    return country + common.iban_check(country, bban) + bban


def bad_iban(r: random.Random, country: str) -> str:
    i = iban(r, country)
    ck = int(i[2:4])
    return i[:2] + f"{(ck + 1) % 100 if ck < 98 else 2:02d}" + i[4:]


BIC_COUNTRIES = ["DE", "FR", "GB", "CH", "US", "JP", "NL", "ES", "IT", "SG", "AE", "MX"]


def bic(r: random.Random, country: str | None = None, branch: bool = False) -> str:
    bank = "".join(r.choice(string.ascii_uppercase) for _ in range(4))
    c = country or r.choice(BIC_COUNTRIES)
    loc = r.choice(string.ascii_uppercase + "23456789") + r.choice(string.ascii_uppercase + "0123456789")
    b = bank + c + loc
    if branch:
        b += "".join(r.choice(string.ascii_uppercase + string.digits) for _ in range(3))
    return b


def bank_account(r: random.Random) -> str:
    return _digits(r, r.choice([10, 11, 12]))


def passport(r: random.Random) -> str:
    return r.choice("123456789") + _digits(r, 8) if r.random() < 0.5 else r.choice("ACEFGHJ") + _digits(r, 8)


def drivers_license(r: random.Random) -> tuple[str, str]:
    st = r.choice(["CA", "FL", "NY", "IL", "WA"])
    if st == "CA":
        return st, r.choice("ABCDEFGHJ") + _digits(r, 7)
    if st == "FL":
        return st, r.choice("ABCDHMRSTW") + _digits(r, 12)
    if st == "NY":
        return st, _digits(r, 9)
    if st == "IL":
        return st, r.choice("ABCDGHKMRSW") + _digits(r, 11)
    return st, "WDL" + "".join(r.choice(string.ascii_uppercase + string.digits) for _ in range(9))


def jwt(r: random.Random) -> str:
    import base64
    import json

    def b64(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")

    head = b64({"alg": "HS256", "typ": "JWT"})
    body = b64({"sub": _digits(r, 8), "iat": 1710000000 + r.randint(0, 9999999), "scope": "claims:write"})
    return f"{head}.{body}.{alnum(r, 43, string.ascii_letters + string.digits + '-_')}"


def password(r: random.Random) -> str:
    return alnum(r, 6, string.ascii_letters) + r.choice("!#$%&*") + _digits(r, 3) + alnum(r, 3, string.ascii_letters)
