"""The entity types the detector can report (see POLICY_REFERENCE.md).

Policy files may only name these; ``gateway policy validate`` rejects others.
"""

from __future__ import annotations

ENTITY_TYPES: frozenset[str] = frozenset(
    {
        # Credentials and markings that every bundled policy blocks.
        "SECRET",
        "CREDIT_CARD",
        "CLASSIFICATION_MARKING",
        # Personal identifiers.
        "PERSON",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "STREET_ADDRESS",
        "IP_ADDRESS",
        "DATE_OF_BIRTH",
        "US_SSN",
        "US_ITIN",
        "US_PASSPORT",
        "US_DRIVER_LICENSE",
        # Health.
        "MEDICAL_RECORD_NUMBER",
        "HEALTH_PLAN_ID",
        "US_MBI",
        "US_NPI",
        "US_DEA",
        # Finance.
        "IBAN_CODE",
        "US_BANK_ACCOUNT",
        "ABA_ROUTING",
        "SWIFT_BIC",
        # Export control and markings.
        "EXPORT_CONTROL",
        "CUI_MARKING",
        "PROPRIETARY_MARKING",
        # Identifiers of people outside the US (POLICY_REFERENCE "Identifiers outside the US").
        "UK_NHS",
        "UK_NINO",
        "DE_TAX_ID",
        "FR_NIR",
        "ES_NIF",
        "IT_FISCAL_CODE",
        "NL_BSN",
        "PL_PESEL",
        "SE_PERSONNUMMER",
        "CA_SIN",
        "AU_TFN",
        "AU_MEDICARE",
        "IN_AADHAAR",
        "IN_PAN",
        "EU_VAT",
        "VIN",
        "GEOLOCATION",
        "GENETIC_DATA",
        "BIOMETRIC_DATA",
    }
)
