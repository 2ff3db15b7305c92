#!/usr/bin/env bash
# Sets up the machine, then builds burrow and runs every test: unit tests, the native helper's
# tests, the gofer's interop tests with diod's clients, and the integration tests that run real
# containers through the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The docker and Testcontainers suites must fail, not skip, when their private dockerd cannot start.
mvn -B verify -Dburrow.it.requireDocker=true "$@"
