#!/usr/bin/env bash
# Sets up the machine, builds burrow, and runs a real busybox container from the example bundle
# the build makes (cli/target/example-bundle), in the default gofer mode (its root is a FUSE mount
# served by a gofer process; add --file-access direct for runc-style bind mounts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mvn -B -q package -DskipTests
root=$(mktemp -d /tmp/burrow-demo-root.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "demo: burrow run --bundle cli/target/example-bundle demo" >&2
cli/target/burrow --root "$root" run --bundle cli/target/example-bundle "demo-$$"
