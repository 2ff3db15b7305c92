#!/usr/bin/env bash
# Installs what building and testing burrow needs on a fresh Debian 12 machine (run as root).
# Idempotent: packages already present are not fetched again.
set -euo pipefail
# docker.io brings dockerd, /usr/bin/docker and docker-init (tini); the client suites in it-tests run a private dockerd
# and its own containerd (containerd-shim-runc-v2) with burrow as the runtime. iptables: dockerd wants it even with
# --iptables=false, for the embedded DNS of user-defined networks. containerd (ctr), podman and conmon: ContainerdTest
# and PodmanTest drive burrow through them.
packages=(maven gcc libc6-dev busybox-static diod hyperfine runc procps libseccomp2 docker.io containerd iptables tini
  podman conmon)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "$(id -u)" != 0 ]; then
  echo "setup: burrow creates namespaces and mounts; run it as root" >&2
  exit 1
fi
