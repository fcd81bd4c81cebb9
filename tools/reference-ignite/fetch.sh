#!/bin/sh
# Copy the reference jars into git-ignored folders:
#   lib/      Apache Ignite 2.18.0 (pom.xml): the key-value reference node
#   lib-sql/  Apache Ignite 2.17.0 + ignite-indexing (sql/pom.xml): the SQL reference
#             node (no ignite-indexing is published for 2.18.0; see observed-facts.md)
# Idempotent: a folder that already holds its ignite-core jar is left alone
# (--force fetches both again).
# Needs: mvn and network access to Maven Central (only on the first run).
set -eu
here=$(cd "$(dirname "$0")" && pwd)

# fetch <pom> <target dir> <marker jar>
fetch() {
    pom=$1 lib=$2 marker=$3
    if [ -f "$lib/$marker" ] && [ "$FORCE" != "--force" ]; then
        echo "reference-ignite: jars already in $lib"
        return 0
    fi
    command -v mvn >/dev/null 2>&1 || { echo "reference-ignite: mvn not found" >&2; exit 2; }
    tmp="$lib.partial"
    rm -rf "$tmp"
    mvn -q -f "$pom" dependency:copy-dependencies \
        -DoutputDirectory="$tmp" -DincludeScope=runtime
    rm -rf "$lib"
    mv "$tmp" "$lib"
    echo "reference-ignite: $(ls "$lib" | wc -l) jars in $lib"
}

FORCE=${1:-}
fetch "$here/pom.xml" "$here/lib" ignite-core-2.18.0.jar
fetch "$here/sql/pom.xml" "$here/lib-sql" ignite-indexing-2.17.0.jar
