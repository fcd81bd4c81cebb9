#!/bin/sh
# Start the reference Ignite 2.18.0 node: ./run.sh [ReferenceNode options]
# Prints "REFERENCE READY port=..." when up; stops when stdin closes.
# jvm-options.txt holds the JVM flags: Ignite's own --add-opens list for Java >= 15
# (bin/include/jvmdefaults.sh in apache/ignite) plus a small heap. tests/_reference.py reads the same file.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec java @"$here/jvm-options.txt" -cp "$here/lib/*" "$here/ReferenceNode.java" "$@"
