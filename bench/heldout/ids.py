"""Generators for checksummed identifiers (all driven by a caller-supplied ``random.Random``)."""

from __future__ import annotations

import random
import string

DIGITS = string.digits


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_digit(payload: str) -> str:
    for d in DIGITS:
        if luhn_ok(payload + d):
            return d
    raise AssertionError


def rdigits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(DIGITS) for _ in range(n))


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


def group_card(number: str, sep: str = " ") -> str:
    n = len(number)
    if n == 15:
        sizes = [4, 6, 5]
    elif n == 14:
        sizes = [4, 6, 4]
    elif n == 19:
        sizes = [4, 4, 4, 4, 3]
    else:
        sizes = [4] * (n // 4)
    out, i = [], 0
    for s in sizes:
        out.append(number[i : i + s])
        i += s
    return sep.join(out)


def non_luhn16(rng: random.Random, prefix: str = "") -> str:
    num = prefix + rdigits(rng, 16 - len(prefix))
    if luhn_ok(num):
        num = num[:-1] + str((int(num[-1]) + 1) % 10)
    return num


def _iban_check(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    numeric = "".join(str(int(c, 36)) for c in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


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
    return country + _iban_check(country, b) + b


def iban_ok(value: str) -> bool:
    v = value.replace(" ", "")
    r = v[4:] + v[:4]
    return int("".join(str(int(c, 36)) for c in r)) % 97 == 1


def group4(value: str) -> str:
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def aba(rng: random.Random) -> str:
    first = rng.choice(["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12",
                        "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32"])  # fmt: skip
    d = [int(c) for c in first + rdigits(rng, 6)]
    s = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5])
    return "".join(map(str, d)) + str((-s) % 10)


def aba_ok(v: str) -> bool:
    d = [int(c) for c in v]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0


def npi(rng: random.Random) -> str:
    base = rng.choice("12") + rdigits(rng, 8)
    return base + luhn_digit("80840" + base)


def dea(rng: random.Random, last_name: str) -> str:
    d = [int(c) for c in rdigits(rng, 6)]
    chk = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    return rng.choice("ABFGM") + last_name[0].upper() + "".join(map(str, d)) + str(chk)


_MBI_ALPHA = [c for c in string.ascii_uppercase if c not in "SLOIBZ"]


def mbi(rng: random.Random) -> str:
    a = lambda: rng.choice(_MBI_ALPHA)  # noqa: E731
    an = lambda: rng.choice(_MBI_ALPHA + list(DIGITS))  # noqa: E731
    n = lambda: rng.choice(DIGITS)  # noqa: E731
    return (rng.choice("123456789") + a() + an() + n() + a() + an() + n() + a() + a() + n() + n())


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


def isbn13(rng: random.Random) -> str:
    body = "978" + rdigits(rng, 9)
    s = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(body))
    return body + str((10 - s % 10) % 10)


def alnum(rng: random.Random, n: int, alphabet: str = string.ascii_letters + DIGITS) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def hexstr(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def aws_key_id(rng: random.Random) -> str:
    return "AKIA" + alnum(rng, 16, string.ascii_uppercase + "234567")


def aws_secret(rng: random.Random) -> str:
    return alnum(rng, 40, string.ascii_letters + DIGITS + "/+")


def github_pat(rng: random.Random) -> str:
    return "ghp_" + alnum(rng, 36)


def slack_bot(rng: random.Random) -> str:
    return f"xoxb-{rdigits(rng, 12)}-{rdigits(rng, 13)}-{alnum(rng, 24)}"


def stripe_live(rng: random.Random) -> str:
    return "sk_live_" + alnum(rng, 24)


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


def uuid4(rng: random.Random) -> str:
    h = hexstr(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"
