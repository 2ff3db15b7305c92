#!/usr/bin/env bash
# Sets up the machine, then builds burrow and runs every test: unit tests, the native helper's
# tests, the gofer's interop tests with diod's clients, and the integration tests that run real
# containers through the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The client suites (Docker, Testcontainers, containerd, Podman) fail, rather than skip, when a
# client cannot start.
export BURROW_IT_REQUIRE_CLIENTS=1
mvn -B verify -Dburrow.it.requireDocker=true "$@"
