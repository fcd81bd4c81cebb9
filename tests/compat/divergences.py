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
        "embergrid returns it as sent (protocol/binary/java_values.py does not "
        "model it)."
    ),
    "wal-cache-list-order": (
        "Ops 5002's errors list a cache group's caches: Ignite in the iteration order "
        "of its map of every cache on the node (so the order depends on all the "
        "node's caches, system ones included); embergrid in the order of a Java "
        "HashSet of the group's names, which agrees while the node holds few caches. "
        "The differential test compares the lists as sets."
    ),
    "sql-max-rows": (
        "Op 2004's max rows: Ignite 2.17 ignores it (every row comes back, lazy or "
        "not, whatever the page size); embergrid stops after max rows, as the issue "
        "and pyignite's documentation ('query-wide maximum of rows') ask."
    ),
    "compare-binary-object-with-other-type": (
        "replace_if_equals / remove_if_equals with a complex-object sample while the "
        "stored value is not one (or the reverse) fails on both with CacheError "
        "'Failed to update keys (retry update if possible).: [<key>]', where <key> is "
        "the key's Java toString(). embergrid reproduces it for string, integer, "
        "boolean, char, UUID, decimal, float and double keys and collections/maps "
        "of them (floats with the shortest digits that read back, as JDK 19+ "
        "prints them: JDK 17 prints a few values with more, e.g. Float.MIN_NORMAL "
        "as 1.17549435E-38); other keys (dates: the node's time zone; arrays and "
        "complex objects: identity hashes) print as '?'."
    ),
    "sql-quote-in-column-name": (
        "CREATE TABLE with a column whose quoted name holds a double quote "
        '(\'"a""b"\'): Ignite 2.17 accepts it and lists the column in '
        "SYS.TABLE_COLUMNS, but H2 then reports the table not found, and DROP TABLE "
        "IF EXISTS leaves it in place (the name stays taken for the node's life). "
        "embergrid makes the table and keeps it working: names reach SQLite only "
        "through engine/sqltext.py."
    ),
    "sql-error-in-a-later-page": (
        "A query whose row past the first page fails (a division by zero in row "
        "3,000): Ignite 2.17 (lazy off, its default) computes the whole result "
        "before the first page, so the first request fails; embergrid reads rows as "
        "pages are asked for (it never holds a whole result), so the rows before "
        "come back and the page that reaches the row fails with the same error."
    ),
}
