"""Generators for checksummed identifiers (all driven by a caller-supplied ``random.Random``).

The generators shared with ``bench.fresh`` live in ``bench.ids`` and are re-exported here; the ones
below draw differently from their ``bench.fresh.ids`` namesakes, so they stay with this corpus.
"""

from __future__ import annotations

import random
import string

from bench.ids import (
    DIGITS,
    MBI_ALPHA,
    alnum,
    aws_key_id,
    aws_secret,
    github_pat,
    group4,
    group_card,
    hexstr,
    iban_check,
    isbn13,
    luhn_digit,
    luhn_ok,
    npi,
    rdigits,
    slack_bot,
    stripe_live,
    uuid4,
)

__all__ = [
    "CARD_BRANDS", "IBAN_COUNTRIES", "aba", "alnum", "aws_key_id", "aws_secret", "bban", "card", "dea",
    "github_pat", "group4", "group_card", "hexstr", "iban", "invalid_ssn", "isbn13", "itin", "jwt",
    "luhn_digit", "luhn_ok", "mbi", "non_luhn16", "npi", "password", "pem_block", "rdigits", "slack_bot", "ssn",
    "stripe_live", "uuid4",
]  # fmt: skip


CARD_BRANDS = ("visa", "mastercard", "mastercard2", "amex", "discover", "jcb", "diners", "unionpay")


def card(rng: random.Random, brand: str) -> str:
    if brand == "visa":
        prefix, length = "4", 16
    elif brand == "mastercard":
        prefix, length = str(rng.randint(51, 55)), 16
    elif brand == "mastercard2":
        prefix, length = str(rng.randint(2221, 2720)), 16
    elif brand == "amex":
        prefix, length = rng.choice(["34", "37"]), 15
    elif brand == "discover":
        prefix, length = rng.choice(["6011", "65"]), 16
    elif brand == "jcb":
        prefix, length = str(rng.randint(3528, 3589)), 16
    elif brand == "diners":
        prefix, length = "36", 14
    elif brand == "unionpay":
        prefix, length = "62", 19
    else:
        raise ValueError(brand)
    payload = prefix + rdigits(rng, length - len(prefix) - 1)
    return payload + luhn_digit(payload)


def non_luhn16(rng: random.Random, prefix: str = "") -> str:
    num = prefix + rdigits(rng, 16 - len(prefix))
    if luhn_ok(num):
        num = num[:-1] + str((int(num[-1]) + 1) % 10)
    return num


def _alpha(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(n))


def bban(rng: random.Random, country: str) -> str:
    if country == "DE":
        return rdigits(rng, 18)
    if country == "GB":
        return rng.choice(["NWBK", "BARC", "LOYD", "HBUK", "MIDL"]) + rdigits(rng, 14)
    if country == "FR":
        bank, branch, acct = rdigits(rng, 5), rdigits(rng, 5), rdigits(rng, 11)
        key = 97 - ((89 * int(bank) + 15 * int(branch) + 3 * int(acct)) % 97)
        return f"{bank}{branch}{acct}{key:02d}"
    if country == "NL":
        return rng.choice(["ABNA", "INGB", "RABO", "TRIO"]) + rdigits(rng, 10)
    if country == "ES":
        return rdigits(rng, 20)
    if country == "IT":
        return _alpha(rng, 1) + rdigits(rng, 22)
    if country == "CH":
        return rdigits(rng, 17)
    if country == "BE":
        body = rdigits(rng, 10)
        chk = int(body) % 97 or 97
        return f"{body}{chk:02d}"
    if country == "PL":
        return rdigits(rng, 24)
    if country == "AT":
        return rdigits(rng, 16)
    if country == "IE":
        return rng.choice(["AIBK", "BOFI"]) + rdigits(rng, 14)
    if country == "SE":
        return rdigits(rng, 20)
    if country == "NO":
        return rdigits(rng, 11)
    raise ValueError(country)


IBAN_COUNTRIES = ("DE", "GB", "FR", "NL", "ES", "IT", "CH", "BE", "PL", "AT", "IE", "SE", "NO")


def iban(rng: random.Random, country: str) -> str:
    b = bban(rng, country)
    return country + iban_check(country, b) + b


def aba(rng: random.Random) -> str:
    first = rng.choice(["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12",
                        "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32"])  # fmt: skip
    d = [int(c) for c in first + rdigits(rng, 6)]
    s = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5])
    return "".join(map(str, d)) + str((-s) % 10)


def dea(rng: random.Random, last_name: str) -> str:
    d = [int(c) for c in rdigits(rng, 6)]
    chk = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    return rng.choice("ABFGM") + last_name[0].upper() + "".join(map(str, d)) + str(chk)


def mbi(rng: random.Random) -> str:
    a = lambda: rng.choice(MBI_ALPHA)  # noqa: E731
    an = lambda: rng.choice(MBI_ALPHA + list(DIGITS))  # noqa: E731
    n = lambda: rng.choice(DIGITS)  # noqa: E731
    return rng.choice("123456789") + a() + an() + n() + a() + an() + n() + a() + a() + n() + n()


def ssn(rng: random.Random) -> str:
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            break
    group, serial = rng.randint(1, 99), rng.randint(1, 9999)
    return f"{area:03d}-{group:02d}-{serial:04d}"


def invalid_ssn(rng: random.Random, kind: str) -> str:
    group, serial = rng.randint(10, 69), rng.randint(1000, 9999)
    if kind == "000":
        return f"000-{group:02d}-{serial:04d}"
    if kind == "666":
        return f"666-{group:02d}-{serial:04d}"
    if kind == "9xx":  # 9xx area with a group outside every ITIN range (incl. the 50-65 range IRS added in 2011)
        return f"9{rng.randint(0, 99):02d}-{rng.randint(10, 49):02d}-{serial:04d}"
    if kind == "group00":
        return f"{rng.randint(100, 599)}-00-{serial:04d}"
    if kind == "serial0000":
        return f"{rng.randint(100, 599)}-{group:02d}-0000"
    raise ValueError(kind)


def itin(rng: random.Random) -> str:
    group = rng.choice(list(range(70, 89)) + [90, 91, 92] + list(range(94, 100)))
    return f"9{rng.randint(0, 99):02d}-{group}-{rng.randint(0, 9999):04d}"


def jwt(rng: random.Random) -> str:
    import base64
    import json

    def b64(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).rstrip(b"=").decode()

    header = b64({"alg": rng.choice(["HS256", "RS256"]), "typ": "JWT"})
    payload = b64({"sub": rdigits(rng, 8), "iat": 1714000000 + rng.randint(0, 10**6), "scope": "read write"})
    sig = alnum(rng, 43, string.ascii_letters + DIGITS + "-_")
    return f"{header}.{payload}.{sig}"


def pem_block(rng: random.Random) -> str:
    lines = [alnum(rng, 64, string.ascii_letters + DIGITS + "+/") for _ in range(rng.randint(5, 8))]
    kind = rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"])
    return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----"


def password(rng: random.Random) -> str:
    words = ["Winter", "Harbor", "Falcon", "Copper", "Mango", "Quartz", "Tundra", "Violet"]
    return rng.choice(words) + rng.choice("!@#$%&*") + rdigits(rng, 2) + rng.choice(words).lower() + rng.choice("?!.")
