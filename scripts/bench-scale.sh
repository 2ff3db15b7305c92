#!/usr/bin/env bash
# Scale: N gofer-mode busybox containers running at once on one --root (default 50), each with a
# bundle of its own whose init writes a file through its gofer and then sleeps. Checks every one
# without exec (`state` says running, the file is on the host), reports the memory of burrow's
# processes (gofer and sandbox of each: RSS, PSS, private), the CLI's peak RSS, then deletes them
# all and checks that no process, mount, cgroup or state dir is left. Needs root and a built
# cli/target/burrow.
#   scripts/bench-scale.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-50}
burrow=$PWD/cli/target/burrow
[ -x "$burrow" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }
work=$(mktemp -d /tmp/burrow-scale.XXXXXX)
root=$work/root
cg=burrow-scale-$$
b() { "$burrow" --root "$root" "$@"; }
cleanup() {
  for i in $(seq "$n"); do b delete -f "s$i" >/dev/null 2>&1 || true; done
  for d in /sys/fs/cgroup/*/"$cg" /sys/fs/cgroup/unified/"$cg" /sys/fs/cgroup/"$cg"; do
    [ -d "$d" ] && rmdir "$d" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

bash scripts/make-rootfs.sh "$work/rootfs" >/dev/null
for i in $(seq "$n"); do
  mkdir -p "$work/b$i"
  cp -a "$work/rootfs" "$work/b$i/rootfs"
  python3 - "$PWD/cli/src/main/bundle/config.json" "$work/b$i/config.json" "s$i" "/$cg/s$i" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["sh", "-c", "echo %s > /written; exec sleep 1000000" % sys.argv[3]]
c["process"]["terminal"] = False
c["root"]["readonly"] = False
c["linux"]["cgroupsPath"] = sys.argv[4]
json.dump(c, open(sys.argv[2], "w"))
PY
done

peak=0
start=$(date +%s%N)
for i in $(seq "$n"); do
  /usr/bin/time -f %M -o "$work/rss" "$burrow" --root "$root" --file-access gofer run -d --bundle "$work/b$i" "s$i" \
    >/dev/null
  m=$(tail -1 "$work/rss")
  [ "$m" -gt "$peak" ] && peak=$m
done
up_ms=$(( ($(date +%s%N) - start) / 1000000 ))

bad=0
for i in $(seq "$n"); do
  for _ in $(seq 50); do [ -s "$work/b$i/rootfs/written" ] && break; sleep 0.1; done
  status=$(b state "s$i" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
  written=$(cat "$work/b$i/rootfs/written" 2>/dev/null || true)
  if [ "$status" != running ] || [ "$written" != "s$i" ]; then
    echo "s$i: status '$status', file '$written'" >&2; bad=$((bad + 1))
  fi
done
sleep 12 # past the long-lived JVMs' first native-heap trim: what an idle container holds

pids=$(pgrep -f "io.burrow.cli.Main --root=$root .* (gofer|boot) " || true)
mem=$(for p in $pids; do awk '/^Rss:/{r=$2}/^Pss:/{s=$2}/^Private_Dirty:/{d=$2}/^Private_Clean:/{c=$2}
  END{print r, s, d + c}' "/proc/$p/smaps_rollup"; done | awk '{r+=$1; s+=$2; p+=$3; k++}
  END{printf "%d %.0f %.0f %.0f %.1f %.1f %.1f", k, r/1024, s/1024, p/1024, r/1024/k*2, s/1024/k*2, p/1024/k*2}')
read -r procs rss pss priv rss1 pss1 priv1 <<<"$mem"

start=$(date +%s%N)
for i in $(seq "$n"); do b delete -f "s$i"; done
down_ms=$(( ($(date +%s%N) - start) / 1000000 ))
left_procs=$( (pgrep -f "io.burrow.cli.Main --root=$root" || true) | wc -l)
left_mounts=$(grep -c "$work" /proc/self/mountinfo || true)
left_state=$(find "$root" -mindepth 1 -maxdepth 1 | wc -l)
left_cgroups=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d -path "*/$cg/*" 2>/dev/null | wc -l)

echo "| containers | checks failed | burrow processes | RSS MB (per container) | PSS MB (per container) | private MB (per container) | CLI peak RSS MB | run -d all s | delete all s |"
echo "|---|---|---|---|---|---|---|---|---|"
printf "| %d | %d | %d | %s (%s) | %s (%s) | %s (%s) | %.0f | %.1f | %.1f |\n" "$n" "$bad" "$procs" \
  "$rss" "$rss1" "$pss" "$pss1" "$priv" "$priv1" "$(echo "$peak / 1024" | bc -l)" \
  "$(echo "$up_ms / 1000" | bc -l)" "$(echo "$down_ms / 1000" | bc -l)"
echo
echo "left after delete: $left_procs processes, $left_mounts mounts, $left_state state dirs, $left_cgroups cgroups"
[ "$bad" -eq 0 ] && [ "$procs" -eq $((2 * n)) ] && [ "$left_procs" -eq 0 ] && [ "$left_mounts" -eq 0 ] \
  && [ "$left_state" -eq 0 ] && [ "$left_cgroups" -eq 0 ]
