"""Known divergences between embergrid's server and Apache Ignite 2.18.0: key -> reason.

Owns the one table of behaviour where embergrid deliberately (or for now) answers
differently from the reference node. A test that pins a divergence is marked
``@pytest.mark.divergence("key")`` and asserts what *each* side actually does; the
marker's key must be in ``DIVERGENCES`` (tests/compat/conftest.py checks it at
collection). ``tools/compat_report.py`` prints the reasons in docs/compatibility.md.
Must not import anything from embergrid.
"""

from __future__ import annotations

DIVERGENCES: dict[str, str] = {
    "singleton-list-blob": (
        "A SINGLETON_LIST (5) collection value comes back from Ignite as an "
        "optimized-marshaller blob (type code -2) that pyignite cannot parse; "
        "embergrid returns it as sent (server/java_collections.py does not model it)."
    ),
    "java-equals-on-containers": (
        "replace_if_equals / remove_if_equals compare a Map/Collection value with "
        "Java equals() on the deserialized objects, where a nested array is equal only "
        "to itself, so Ignite answers False; embergrid compares the binary forms and "
        "answers True."
    ),
    "compare-binary-object-with-other-type": (
        "replace_if_equals / remove_if_equals with a complex-object sample while the "
        "stored value is of another type: Ignite fails with CacheError 'Failed to "
        "update keys (retry update if possible).: [<key>]' (it tries to deserialize "
        "the sample into a class it does not have); embergrid answers False."
    ),
    "replicated-backups": (
        "A REPLICATED cache reads back backups = 2147483647 (Integer.MAX_VALUE) on "
        "Ignite, whatever was asked; embergrid returns the requested number (0)."
    ),
    "query-entity-default-aliases": (
        "Ignite adds a field_name_aliases entry for every query field that has none: "
        "the field name upper-cased, or unchanged with sql_escape_all; embergrid "
        "returns only the aliases that were sent."
    ),
    "contains-keys-duplicates": (
        "contains_keys with a key listed twice: Ignite answers False even when the key "
        "is present (it seems to compare the number of distinct keys found with the "
        "number requested); embergrid answers True."
    ),
}
