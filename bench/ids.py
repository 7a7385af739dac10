"""Identifier generators shared by the held-out and fresh corpora (``bench.heldout.ids``, ``bench.fresh.ids``).

Only generators that draw from the caller-supplied ``random.Random`` in exactly the same way for both corpora
live here; each corpus's ``ids`` module keeps the generators whose draws (and so its seeded values) differ.
"""

from __future__ import annotations

import random
import string

DIGITS = string.digits
MBI_ALPHA = [c for c in string.ascii_uppercase if c not in "SLOIBZ"]


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
    raise AssertionError("unreachable")


def rdigits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(DIGITS) for _ in range(n))


def alnum(rng: random.Random, n: int, alphabet: str = string.ascii_letters + DIGITS) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def hexstr(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def group_card(number: str, sep: str = " ") -> str:
    """4-6-5 (15 digits), 4-6-4 (14 digits), otherwise groups of four."""
    if len(number) in (14, 15):
        return sep.join([number[:4], number[4:10], number[10:]])
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


def group4(value: str) -> str:
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def iban_check(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    numeric = "".join(str(int(c, 36)) for c in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


def npi(rng: random.Random) -> str:
    base = rng.choice("12") + rdigits(rng, 8)
    return base + luhn_digit("80840" + base)


def isbn13(rng: random.Random) -> str:
    body = "978" + rdigits(rng, 9)
    s = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(body))
    return body + str((10 - s % 10) % 10)


def uuid4(rng: random.Random) -> str:
    h = hexstr(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"


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
