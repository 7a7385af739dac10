"""Check-digit algorithms shared by the recognisers (pure functions on digit strings)."""

from __future__ import annotations


def digits_only(value: str) -> str:
    """The ASCII digits of ``value`` in order."""
    return "".join(char for char in value if "0" <= char <= "9")


def luhn_valid(digits: str) -> bool:
    """Luhn (mod 10) check over a digit string."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def luhn_check_digit(payload: str) -> str:
    """The digit that makes ``payload + digit`` Luhn-valid."""
    for digit in "0123456789":
        if luhn_valid(payload + digit):
            return digit
    raise AssertionError("unreachable: one digit always completes a Luhn payload")


def aba_valid(digits: str) -> bool:
    """ABA routing number 3-7-1 weighted checksum."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


def dea_valid(value: str) -> bool:
    """DEA registration number: 2 letters + 7 digits with the DEA check digit."""
    digits = value[2:]
    if len(value) != 9 or not value[:2].isalpha() or not digits.isdigit():
        return False
    d = [int(c) for c in digits]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


def mod97_valid(iban: str) -> bool:
    """ISO 7064 mod 97-10 over an IBAN (country code and check digits moved to the end)."""
    compact = iban.replace(" ", "").upper()
    if not compact.isalnum() or len(compact) < 5:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1
