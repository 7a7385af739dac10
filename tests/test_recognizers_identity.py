"""SSN, ITIN, passport, driver licence, date of birth and labelled names."""

from __future__ import annotations

import pytest
from presidio_analyzer.predefined_recognizers import UsItinRecognizer

from gateway.recognizers.identity import (
    DateOfBirthRecognizer,
    PassportNumberRecognizer,
    PersonNameRecognizer,
    SsnRecognizer,
    UsDriverLicenseRecognizer,
)
from tests.recognizer_helpers import matched


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSN 219-09-9999", ["219-09-9999"]),
        ("SSN 536 22 8726", ["536 22 8726"]),
        ("SSN 000-12-3456", []),
        ("SSN 666-12-3456", []),
        ("SSN 912-12-3456", []),  # 9xx area is an ITIN
        ("SSN 219-00-9999", []),
        ("SSN 219-09-0000", []),
        ("SSN 219-09.9999", []),  # mixed separators
    ],
)
def test_ssn(text: str, expected: list[str]) -> None:
    assert matched(SsnRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ITIN 912-70-1234", ["912-70-1234"]), ("ITIN 912-93-1234", []), ("ITIN 812-70-1234", [])],
)
def test_itin_from_presidio(text: str, expected: list[str]) -> None:
    assert matched(UsItinRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("driver's license number D1234567", ["D1234567"]),
        ("DL: S530-4127-9921", ["S530-4127-9921"]),
        ("driver license pending", []),
        ("TX DL 12345678 expires 2027", ["12345678"]),
        ("Texas driver license number 41234567", ["41234567"]),
        ("his Texas license # 08765432 was scanned", ["08765432"]),
        ("TX lic. 12345678", ["12345678"]),
        ("driver's lic 31234567", ["31234567"]),
        ("the license number is 12345678", []),  # no driver or state cue: a licence of anything
        ("MIT license 2024", []),
        ("DLL version 2", []),
    ],
)
def test_driver_license(text: str, expected: list[str]) -> None:
    assert matched(UsDriverLicenseRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DOB: 03/14/1962", ["03/14/1962"]),
        ("date of birth 1962-03-14", ["1962-03-14"]),
        ("born on March 14, 1962", ["March 14, 1962"]),
        ("D.O.B. 14 Mar 1962", ["14 Mar 1962"]),
        ("DOB 13/45/1962", []),  # no such date
        ("appointment 03/14/2024", []),  # not a birth
        ("DOB 03/14/2199", []),  # in the future
        ("and date of birth as January 5, 1987.", ["January 5, 1987"]),
        ('{"name": "K B", "dob": "1990-04-06"}', ["1990-04-06"]),
        ("patient_birth_date=1961-11-02", ["1961-11-02"]),
        ("date of birth is recorded as 12 May 1980", ["12 May 1980"]),
        ("dobutamine 5 mcg 2024-01-02", []),  # not a DOB label
        ("el paciente, fecha de nacimiento 23 Aug 1943, MRN", ["23 Aug 1943"]),
        ("date de naissance : 12/05/1980", ["12/05/1980"]),
        ("Geburtsdatum: 1961-03-12", ["1961-03-12"]),
    ],
)
def test_date_of_birth(text: str, expected: list[str]) -> None:
    assert matched(DateOfBirthRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("seen by Dr. Maria Gonzalez today", ["Maria Gonzalez"]),
        ("Patient: John Smith", ["John Smith"]),
        ("Employee name: Priya Raman-Iyer", ["Priya Raman-Iyer"]),
        ("Patient: stable overnight", []),
        ("Patient: ADEYEMI, Priya    MRN: 1234", ["ADEYEMI, Priya"]),
        ("Name on card: OLUWASEUN CASTELLANO\n", ["OLUWASEUN CASTELLANO"]),
        ("Traveler: OKAFOR/BEATRIZ\nDOB: 12 May 1980", ["OKAFOR/BEATRIZ"]),
        ("Dear Aisha,\n\nWe are pleased", ["Aisha"]),
        ("Dear Team,\nplease", []),
        ("Hi All, quick one", []),
        ("Thanks,\nMei\n> On Mon", ["Mei"]),
        ("thanks! - leticia", ["leticia"]),
        ("thanks again", []),
        ("ok thanks anyway", []),  # a lower-case word on the sign-off's own line is not a name
        ("the staging env first. Thanks fo", []),
        ("Got it, thanks\npriya", ["priya"]),
        ("Sincerely,\n\nDeclan Nguyen\nHR Business Partner", ["Declan Nguyen"]),
        ("rm 412b - dmitri oyelaran mrn 12345678", ["dmitri oyelaran"]),
        ("pt seen, the patient mrn 12345678", []),
        ("son marcus wants a call back", ["marcus"]),
        ("son is stable", []),
        ("'Marcus from night shift said the chart'", ["Marcus"]),
        ("report by Tomasz Raghunathan, RN 01/02/2024", ["Tomasz Raghunathan"]),
        ("contact Beatriz Lindqvist, x4512, for parts", ["Beatriz Lindqvist"]),
        ("\nAisha Okafor\n1234 Kingsley Dr, Apt 12D", ["Aisha Okafor"]),
        ("From: Nadia Yilmaz <n@example.com>", ["Nadia Yilmaz"]),
        ("Part D refill for Aiko Hargreaves \u2014 Medicare MBI", ["Aiko Hargreaves"]),
        ("Claim note: Insured Chidi Costa, subscriber ID", ["Chidi Costa"]),
        ("    Co-authored-by: Anneliese Mensah <a@example.com>", ["Anneliese Mensah"]),
        ("ID check: Nadia Rossi presented a licence", ["Nadia Rossi"]),
        ("onboarding note \u2014 applicant Declan Petrova, born", ["Declan Petrova"]),
        ("please kindly help, my name is Nadia Fernandez and", ["Nadia Fernandez"]),
        ("Resumen: el paciente Eleanor Vogel, fecha de nacimiento", ["Eleanor Vogel"]),
        ("Patient Beatriz Raghunathan MBI 8Y", ["Beatriz Raghunathan"]),
        ("INC0699159 | Reporter: Priya Delacroix | Laptop", ["Priya Delacroix"]),
        ("> On Mon, Declan wrote:\n> any update", ["Declan"]),
        ("the applicant pool is small", []),  # one word, lower case: no name
        ("my name is on the list", []),
        ("Patient Safety Committee meets today", []),  # ... a committee is no person either
    ],
)
def test_person_name(text: str, expected: list[str]) -> None:
    assert matched(PersonNameRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("passport number 912803456", ["912803456"]),
        ("CUSIP 037833100 and ISIN US0378331005 refer to the same security", []),
        ("the bond 912803456 matures in 2030", []),
        ("passport 912803456, shares held: 100", ["912803456"]),  # passport wording wins
    ],
)
def test_passport(text: str, expected: list[str]) -> None:
    assert matched(PassportNumberRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What is your date of birth? It's 7/02/1958", ["7/02/1958"]),  # the cue in the sentence before
        ("Date of birth\n03/14/1962", ["03/14/1962"]),  # a form label on its own line
        ("Please tell me your date of birth. it's 12/5/1971", ["12/5/1971"]),
        ("Date of birth unknown; appointment 03/14/2020", []),  # the date is an appointment's
        ("It's like that since 3/29/1982", []),  # no cue at all
    ],
)
def test_date_of_birth_cue_before(text: str, expected: list[str]) -> None:
    assert matched(DateOfBirthRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("e to join accounts with ms. Adrian", ["Adrian"]),
        ("For my take on Ms. Tomić, see", ["Tomić"]),
        ("my name is juliusz", ["juliusz"]),
        ("What's your last name? Sjöberg", ["Sjöberg"]),
        ("but everyone calls me Lavinia", ["Lavinia"]),
        ("the new nurse is called dagny.", ["dagny"]),  # "called" after a person
        ("I am called Tomasz, not Tom", ["Tomasz"]),
        ("My great great grandfather was called Jan, and", ["Jan"]),
        ("The function is called twice, and", []),  # "called" after a thing
        ("the method was called recursively.", []),
        ("the package is called requests.", []),
        ("her given name: Keiko", ["Keiko"]),
        ("surname: Okonkwo.", ["Okonkwo"]),
        ("birth name is Mei-Ling", ["Mei-Ling"]),
        ('in that direction," says Zóphoníasson.', ["Zóphoníasson"]),
        ("Helena Carlsen\\n\\n123 Strojírenská 5", ["Helena Carlsen"]),  # a postal block's name line
        ("Goosehead Insurance Inc\n42 Main St", []),  # an organisation's line
        ("my name is not important", []),
    ],
)
def test_names_in_one_word_any_case_and_script(text: str, expected: list[str]) -> None:
    assert matched(PersonNameRecognizer(), text) == expected
