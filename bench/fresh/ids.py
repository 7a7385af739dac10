"""Generators of identifiers with valid (or deliberately invalid) checksums. Seeded via ``random.Random``."""

from __future__ import annotations

import random
import string

MBI_ALPHA = [c for c in string.ascii_uppercase if c not in "SLOIBZ"]


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_complete(prefix: str) -> str:
    for c in "0123456789":
        if luhn_ok(prefix + c):
            return prefix + c
    raise AssertionError


def _digits(r: random.Random, n: int) -> str:
    return "".join(r.choice("0123456789") for _ in range(n))


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


def fmt_card(num: str, sep: str = " ") -> str:
    if len(num) == 15:
        return sep.join([num[:4], num[4:10], num[10:]])
    if len(num) == 14:
        return sep.join([num[:4], num[4:10], num[10:]])
    return sep.join(num[i:i + 4] for i in range(0, len(num), 4))


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


def npi(r: random.Random) -> str:
    while True:
        base = r.choice("12") + _digits(r, 8)
        for c in "0123456789":
            if luhn_ok("80840" + base + c):
                return base + c


def dea(r: random.Random, last_name: str = "") -> str:
    first = r.choice("ABFGMPRX")
    second = (last_name[:1] or r.choice(string.ascii_uppercase)).upper()
    d = [r.randint(0, 9) for _ in range(6)]
    check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    return first + second + "".join(map(str, d)) + str(check)


def mbi(r: random.Random) -> str:
    an = MBI_ALPHA + list("0123456789")
    parts = [
        str(r.randint(1, 9)), r.choice(MBI_ALPHA), r.choice(an), str(r.randint(0, 9)),
        r.choice(MBI_ALPHA), r.choice(an), str(r.randint(0, 9)), r.choice(MBI_ALPHA),
        r.choice(MBI_ALPHA), str(r.randint(0, 9)), str(r.randint(0, 9)),
    ]
    return "".join(parts)


def fmt_mbi(m: str) -> str:
    return f"{m[:4]}-{m[4:7]}-{m[7:]}"


def aba(r: random.Random) -> str:
    while True:
        prefix = r.choice([f"{x:02d}" for x in list(range(1, 13)) + list(range(21, 33)) + list(range(61, 73))])
        body = prefix + _digits(r, 6)
        w = [3, 7, 1, 3, 7, 1, 3, 7]
        s = sum(int(c) * k for c, k in zip(body, w))
        check = (10 - s % 10) % 10
        n = body + str(check)
        if n != "123456789":
            return n


def _iban_check(country: str, bban: str) -> str:
    rearr = bban + country + "00"
    num = "".join(str(int(c, 36)) for c in rearr)
    return f"{98 - int(num) % 97:02d}"


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
    return country + _iban_check(country, bban) + bban


def fmt_iban(i: str) -> str:
    return " ".join(i[k:k + 4] for k in range(0, len(i), 4))


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


def hexstr(r: random.Random, n: int) -> str:
    return "".join(r.choice("0123456789abcdef") for _ in range(n))


def alnum(r: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(r.choice(alphabet) for _ in range(n))


def uuid(r: random.Random) -> str:
    h = hexstr(r, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{r.choice('89ab')}{h[17:20]}-{h[20:]}"


def isbn13(r: random.Random) -> str:
    body = "978" + _digits(r, 9)
    s = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(body))
    check = (10 - s % 10) % 10
    n = body + str(check)
    return f"{n[:3]}-{n[3]}-{n[4:8]}-{n[8:12]}-{n[12]}"


def aws_key(r: random.Random) -> str:
    return "AKIA" + alnum(r, 16, string.ascii_uppercase + "234567")


def aws_secret(r: random.Random) -> str:
    return alnum(r, 40, string.ascii_letters + string.digits + "/+")


def gh_token(r: random.Random) -> str:
    return "ghp_" + alnum(r, 36)


def slack_token(r: random.Random) -> str:
    return f"xoxb-{_digits(r, 12)}-{_digits(r, 13)}-{alnum(r, 24)}"


def jwt(r: random.Random) -> str:
    import base64
    import json

    def b64(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")

    head = b64({"alg": "HS256", "typ": "JWT"})
    body = b64({"sub": _digits(r, 8), "iat": 1710000000 + r.randint(0, 9999999), "scope": "claims:write"})
    return f"{head}.{body}.{alnum(r, 43, string.ascii_letters + string.digits + '-_')}"


def stripe_key(r: random.Random) -> str:
    return "sk_live_" + alnum(r, 24)


def password(r: random.Random) -> str:
    return alnum(r, 6, string.ascii_letters) + r.choice("!#$%&*") + _digits(r, 3) + alnum(r, 3, string.ascii_letters)
