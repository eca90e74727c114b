"""CycloneDX 1.6 schema validation for the SBOM tests, imported when a test validates.

``cyclonedx.validation.json`` imports jsonschema and its format checkers (over a second): at module
level in three test files, every pytest-xdist worker paid it while collecting, whether or not it
ran one of them.
"""

from __future__ import annotations


def schema_errors(document: str) -> object:
    """What the strict CycloneDX 1.6 JSON validator finds wrong with *document* (``None``: valid)."""
    from cyclonedx.schema import SchemaVersion  # noqa: PLC0415 - see the module's docstring
    from cyclonedx.validation.json import JsonStrictValidator  # noqa: PLC0415

    return JsonStrictValidator(SchemaVersion.V1_6).validate_str(document)
