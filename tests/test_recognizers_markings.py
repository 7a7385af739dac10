"""Export-control, CUI, classification and proprietary markings."""

from __future__ import annotations

import pytest

from gateway.recognizers.markings import (
    ClassificationMarkingRecognizer,
    CuiMarkingRecognizer,
    ExportControlRecognizer,
    ProprietaryMarkingRecognizer,
)
from tests.recognizer_helpers import matched


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A marking is its whole phrase, so a redacted copy keeps none of its words.
        ("This drawing is ITAR controlled.", ["ITAR controlled"]),
        ("ITAR-controlled technical data inside", ["ITAR-controlled technical data"]),
        ("EAR-controlled item", ["EAR-controlled"]),
        ("itar data, do not share", ["itar"]),
        ("Hardware on the USML Category XI list", ["USML Category XI"]),
        ("Classified under ECCN 3A001.b.1 by the exporter", ["ECCN 3A001.b.1"]),
        ("export-controlled technical data", ["export-controlled technical data"]),
        ("EXPORT CONTROLLED", ["EXPORT CONTROLLED"]),
        ("Items subject to the EAR are listed", ["subject to the EAR"]),
        ("ECCN: EAR99", ["ECCN: EAR99"]),
        ("The weather is nice today", []),
        ("Spare part 3A001-B is out of stock", []),  # not an ECCN shape (suffix)
        ("guitar and sitar lessons", []),
        # The Arms Export Control Act: the Act's name, and the whole standard legend when written out.
        ("see the Arms Export Control Act.", ["Arms Export Control Act"]),
        (
            "WARNING - This document contains technical data whose export is restricted by the Arms Export "
            "Control Act (Title 22, U.S.C., Sec 2751, et seq.) or the Export Administration Act",
            [
                "WARNING - This document contains technical data whose export is restricted by the Arms Export "
                "Control Act (Title 22, U.S.C., Sec 2751, et seq.)"
            ],
        ),
        (
            "This document contains technical data whose export is restricted by the arms export control act",
            ["This document contains technical data whose export is restricted by the arms export control act"],
        ),
    ],
)
def test_export_control(text: str, expected: list[str]) -> None:
    assert matched(ExportControlRecognizer(), text) == expected


def test_bare_eccn_needs_export_wording() -> None:
    results = ExportControlRecognizer().analyze("part 5E002 in stock", ["EXPORT_CONTROL"])
    assert [round(r.score, 2) for r in results] == [0.2]  # below the detector threshold without context


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CUI", ["CUI"]),
        ("Banner: CUI//SP-PRVCY", ["CUI//SP-PRVCY"]),
        ("CONTROLLED UNCLASSIFIED INFORMATION", ["CONTROLLED UNCLASSIFIED INFORMATION"]),
        ("cuisine and biscuits", []),
    ],
)
def test_cui(text: str, expected: list[str]) -> None:
    assert matched(CuiMarkingRecognizer(), text)[:1] == expected[:1]
    assert bool(matched(CuiMarkingRecognizer(), text)) == bool(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SECRET//NOFORN", ["SECRET//NOFORN"]),
        ("TOP SECRET//SI//REL TO USA, FVEY", ["TOP SECRET//SI//REL TO USA, FVEY"]),
        ("(S//NF) The unit moved.", ["(S//NF)"]),
        ("TOP SECRET briefing", ["TOP SECRET"]),
        ("Declassify On: 20451231", ["Declassify On:"]),
        ("SECRET//DRAFT notes", []),  # no dissemination caveat
        ("The secret to good bread is time.", []),
        ("confidential feedback for the team", []),
    ],
)
def test_classification(text: str, expected: list[str]) -> None:
    strong = [
        text[r.start : r.end]
        for r in ClassificationMarkingRecognizer().analyze(text, ["CLASSIFICATION_MARKING"])
        if r.score >= 0.4
    ]
    assert strong == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PROPRIETARY", ["PROPRIETARY"]),
        ("Proprietary and Confidential - Acme Corp", ["Proprietary and Confidential"]),
        ("Company Confidential", ["Company Confidential"]),
        ("This recipe is a trade secret.", ["trade secret"]),
        ("We use an open format, not a proprietary one.", []),
    ],
)
def test_proprietary(text: str, expected: list[str]) -> None:
    assert matched(ProprietaryMarkingRecognizer(), text) == expected
