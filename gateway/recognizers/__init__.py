"""Every recogniser the detector runs, registered in one place.

Presidio's own recognisers are used where they fit (IBAN, ITIN, MBI, and
tuned subclasses for NPI, ABA, SSN, passport, e-mail, IP, member ids); the
rest are ours, one module per family.
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer
from presidio_analyzer.predefined_recognizers import (
    IbanRecognizer,
    UsItinRecognizer,
    UsMbiRecognizer,
)

from gateway.recognizers.contact import (
    CuedStreetAddressRecognizer,
    EmailAddressRecognizer,
    InternationalStreetAddressRecognizer,
    IpAddressRecognizer,
    PhoneNumberRecognizer,
    StreetAddressRecognizer,
)
from gateway.recognizers.finance import (
    AbaRoutingNumberRecognizer,
    CardNumberRecognizer,
    SwiftBicRecognizer,
    UsBankAccountRecognizer,
)
from gateway.recognizers.formats import StructuredFormatRecognizer
from gateway.recognizers.generated_tokens import GeneratedTokenRecognizer
from gateway.recognizers.health import (
    HealthInsuranceMemberIdRecognizer,
    LabelledHealthPlanIdRecognizer,
    MedicalRecordNumberRecognizer,
    NpiRecognizer,
    UsDeaRecognizer,
)
from gateway.recognizers.identity import (
    DateOfBirthRecognizer,
    PassportNumberRecognizer,
    PersonNameRecognizer,
    SsnRecognizer,
    UsDriverLicenseRecognizer,
)
from gateway.recognizers.international import (
    AustralianMedicareRecognizer,
    AustralianTfnRecognizer,
    CanadianSinRecognizer,
    DutchBsnRecognizer,
    EuVatRecognizer,
    FrenchNirRecognizer,
    GermanTaxIdRecognizer,
    IndianAadhaarRecognizer,
    IndianPanRecognizer,
    ItalianFiscalCodeRecognizer,
    PolishPeselRecognizer,
    SpanishNifRecognizer,
    SwedishBarePersonnummerRecognizer,
    SwedishPersonnummerRecognizer,
    UkNationalInsuranceRecognizer,
    UkNhsNumberRecognizer,
    VinRecognizer,
)
from gateway.recognizers.markings import (
    ClassificationMarkingRecognizer,
    CuiMarkingRecognizer,
    ExportControlRecognizer,
    ProprietaryMarkingRecognizer,
)
from gateway.recognizers.ner import PersonLexiconRecognizer, PersonNerRecognizer
from gateway.recognizers.secret_scanner import SecretScannerRecognizer
from gateway.recognizers.secrets import (
    AuthorizationHeaderRecognizer,
    AwsSecretAccessKeyRecognizer,
    ConfigCredentialRecognizer,
    CredentialInUrlRecognizer,
    CredentialPairRecognizer,
    EncodedPasswordRecognizer,
    KubernetesSecretRecognizer,
    SecretRecognizer,
)
from gateway.recognizers.special import BiometricDataRecognizer, GeneticDataRecognizer, GeolocationRecognizer
from gateway.recognizers.structured import StructuredFieldRecognizer

RECOGNIZER_CLASSES: tuple[type[EntityRecognizer], ...] = (
    # Credentials (Kingfisher's maintained rules first, then ours) and markings.
    SecretScannerRecognizer,
    SecretRecognizer,
    GeneratedTokenRecognizer,
    CredentialInUrlRecognizer,
    CredentialPairRecognizer,
    AuthorizationHeaderRecognizer,
    AwsSecretAccessKeyRecognizer,
    ConfigCredentialRecognizer,
    KubernetesSecretRecognizer,
    EncodedPasswordRecognizer,
    ClassificationMarkingRecognizer,
    CuiMarkingRecognizer,
    ExportControlRecognizer,
    ProprietaryMarkingRecognizer,
    # Payment and banking.
    CardNumberRecognizer,
    IbanRecognizer,
    AbaRoutingNumberRecognizer,
    SwiftBicRecognizer,
    UsBankAccountRecognizer,
    # Personal identifiers and contact details (PERSON also comes from spaCy NER).
    SsnRecognizer,
    UsItinRecognizer,
    PassportNumberRecognizer,
    UsDriverLicenseRecognizer,
    DateOfBirthRecognizer,
    PersonNameRecognizer,
    PersonNerRecognizer,
    PersonLexiconRecognizer,
    StructuredFieldRecognizer,
    StructuredFormatRecognizer,
    EmailAddressRecognizer,
    PhoneNumberRecognizer,
    IpAddressRecognizer,
    StreetAddressRecognizer,
    InternationalStreetAddressRecognizer,
    CuedStreetAddressRecognizer,
    # Health.
    NpiRecognizer,
    UsMbiRecognizer,
    UsDeaRecognizer,
    MedicalRecordNumberRecognizer,
    HealthInsuranceMemberIdRecognizer,
    LabelledHealthPlanIdRecognizer,
    # Identifiers of people outside the US, coordinates, special categories.
    UkNhsNumberRecognizer,
    UkNationalInsuranceRecognizer,
    GermanTaxIdRecognizer,
    FrenchNirRecognizer,
    SpanishNifRecognizer,
    ItalianFiscalCodeRecognizer,
    DutchBsnRecognizer,
    PolishPeselRecognizer,
    SwedishPersonnummerRecognizer,
    SwedishBarePersonnummerRecognizer,
    CanadianSinRecognizer,
    AustralianTfnRecognizer,
    AustralianMedicareRecognizer,
    IndianAadhaarRecognizer,
    IndianPanRecognizer,
    EuVatRecognizer,
    VinRecognizer,
    GeolocationRecognizer,
    GeneticDataRecognizer,
    BiometricDataRecognizer,
)


def build_recognizers(supported_language: str = "en") -> list[EntityRecognizer]:
    """A fresh instance of every recogniser (PERSON NER reads the NLP engine's artifacts)."""
    return [cls(supported_language=supported_language) for cls in RECOGNIZER_CLASSES]
