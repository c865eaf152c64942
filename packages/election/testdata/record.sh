#!/bin/sh
# Records election_wire.txt from Debian's Apache ZooKeeper 3.8 jar.
set -e
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
javac -d "$tmp" -cp /usr/share/java/zookeeper.jar "$here/RecordElectionWire.java"
java -cp "$tmp:/usr/share/java/zookeeper.jar" org.apache.zookeeper.server.quorum.RecordElectionWire > "$here/election_wire.txt"
