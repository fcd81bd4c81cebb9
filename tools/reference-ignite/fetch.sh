#!/bin/sh
# Copy the Apache Ignite 2.18.0 jars named in pom.xml into lib/ (git-ignored).
# Idempotent: does nothing when lib/ already holds ignite-core-2.18.0.jar.
# Needs: mvn and network access to Maven Central (only on the first run).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lib="$here/lib"
if [ -f "$lib/ignite-core-2.18.0.jar" ] && [ "${1:-}" != "--force" ]; then
    echo "reference-ignite: jars already in $lib"
    exit 0
fi
command -v mvn >/dev/null 2>&1 || { echo "reference-ignite: mvn not found" >&2; exit 2; }
tmp="$lib.partial"
rm -rf "$tmp"
mvn -q -f "$here/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" -DincludeScope=runtime
rm -rf "$lib"
mv "$tmp" "$lib"
echo "reference-ignite: $(ls "$lib" | wc -l) jars in $lib"
