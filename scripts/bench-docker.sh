#!/usr/bin/env bash
# `docker run --rm local/busybox:1 true` on runc, on burrow (gofer mode) and on burrow-direct,
# through a private dockerd (Debian docker.io 20.10), interleaved: each round runs every runtime
# once, in turn, so load on a shared machine hits them alike. Prints the median of N rounds per
# runtime and its ratio to runc.
#
#   scripts/bench-docker.sh [ROUNDS]          # default 10; run as root after `mvn -B package -DskipTests`
#
# BURROW=/path/to/burrow overrides the runtime under test (default: cli/target/burrow).
# The daemon is private (own data root, exec root, socket, pid file, --iptables=false,
# --bridge=none) and is stopped, with everything it left, on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}
burrow=${BURROW:-$PWD/cli/target/burrow}
[ "$(id -u)" = 0 ] || { echo "bench-docker.sh: run as root (it starts a private dockerd)" >&2; exit 1; }
[ -x "$burrow" ] || { echo "bench-docker.sh: $burrow not found; build first: mvn -B package -DskipTests" >&2; exit 1; }
[ -x /usr/sbin/dockerd ] && [ -x /usr/bin/docker ] || { echo "bench-docker.sh: install docker.io (scripts/setup.sh)" >&2; exit 1; }

base=$(mktemp -d /tmp/bb-XXXXXX)
exec_root=/run/bb${base##*-}   # short: burrow's socket paths under EXEC/runtime-runc/moby/<64-hex id>/
sock=$base/d.sock
docker=(/usr/bin/docker -H "unix://$sock")

cleanup() {
  if [ -f "$base/dockerd.pid" ]; then
    local pid
    pid=$(cat "$base/dockerd.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
  fi
  # Whatever still names the private dirs (containerd, shims, burrow), by pid.
  for p in /proc/[0-9]*; do
    if { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | grep -qF -e "$exec_root" -e "$base"; then
      kill -9 "${p#/proc/}" 2>/dev/null || true
    fi
  done
  awk -v a="$base" -v b="$exec_root" '$5 ~ "^"a || $5 ~ "^"b {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf --one-file-system "$base" "$exec_root"
}
trap cleanup EXIT

cat > "$base/daemon.json" <<EOF
{"runtimes": {
  "burrow": {"path": "$burrow"},
  "burrow-direct": {"path": "$burrow", "runtimeArgs": ["--file-access=direct"]}
}}
EOF
/usr/sbin/dockerd --config-file "$base/daemon.json" --data-root "$base/data" --exec-root "$exec_root" \
  --pidfile "$base/dockerd.pid" -H "unix://$sock" --iptables=false --ip-masq=false --bridge=none \
  > "$base/dockerd.log" 2>&1 &
for _ in $(seq 300); do "${docker[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
"${docker[@]}" version >/dev/null 2>&1 || { echo "bench-docker.sh: private dockerd did not come up:" >&2; tail -20 "$base/dockerd.log" >&2; exit 1; }
bash scripts/make-rootfs.sh "$base/rootfs" >/dev/null
tar -C "$base/rootfs" -c . | "${docker[@]}" import - local/busybox:1 >/dev/null

runtimes=(runc burrow burrow-direct)
for rt in "${runtimes[@]}"; do  # warm-up, and a check that each runtime works at all
  "${docker[@]}" run --rm --runtime "$rt" local/busybox:1 true \
    || { echo "bench-docker.sh: docker run --runtime $rt failed" >&2; exit 1; }
done
declare -A times
for i in $(seq "$rounds"); do
  for rt in "${runtimes[@]}"; do
    t0=$(date +%s%N)
    timeout -s KILL 120 "${docker[@]}" run --rm --runtime "$rt" local/busybox:1 true
    t1=$(date +%s%N)
    times[$rt]+="$(( (t1 - t0) / 1000000 )) "
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2] + a[NR/2+1]) / 2}'; }
runc_ms=$(echo "${times[runc]}" | median)
printf '%-14s %10s %8s   %s\n' runtime "median ms" "x runc" "all runs (ms)"
for rt in "${runtimes[@]}"; do
  m=$(echo "${times[$rt]}" | median)
  printf '%-14s %10s %8s   %s\n' "$rt" "$m" "$(awk -v a="$m" -v b="$runc_ms" 'BEGIN {printf "%.2f", a / b}')" "${times[$rt]}"
done
