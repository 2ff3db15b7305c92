#!/usr/bin/env bash
# Side-by-side 9P benchmark: diodload against diod and against burrow's gofer, in one run.
# Usage: scripts/bench-9p.sh [SECONDS]   (default 5 s per measurement)
# Set BURROW to a burrow command (e.g. "burrow"); by default the gofer runs from the fs-gofer
# build (mvn -pl fs-gofer -am install -DskipTests first). Writes results to stdout.
set -euo pipefail
secs=${1:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/bench-9p.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

for t in diod diodload; do command -v "$t" >/dev/null || { echo "missing $t (apt-get install diod)" >&2; exit 1; }; done

# burrow serves a directory: ctl/zero and ctl/null are the kernel's memory devices, the closest
# equivalent of diod's synthetic ctl files (no disk I/O on either side).
mkdir -p "$work/root/ctl"
mknod "$work/root/ctl/zero" c 1 5
mknod "$work/root/ctl/null" c 1 3
printf '{"ociVersion":"1.0.2","root":{"path":"%s"}}\n' "$work/root" > "$work/config.json"

if [[ -n "${BURROW:-}" ]]; then
  gofer=($BURROW gofer)
else
  cp_file="$work/cp.txt"
  (cd "$here" && mvn -B -q -o -pl fs-gofer dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null)
  gofer=(java -cp "$here/fs-gofer/target/classes:$(cat "$cp_file")" io.burrow.fs.gofer.GoferMain gofer)
fi

"${gofer[@]}" --bundle "$work" --serve-unix="$work/burrow.sock" > "$work/gofer.log" 2>&1 &
pids+=($!)
diod -f -n -l "$work/diod.sock" -e ctl > "$work/diod.log" 2>&1 &
pids+=($!)
for s in burrow.sock diod.sock; do
  for _ in $(seq 100); do [[ -S "$work/$s" ]] && break; sleep 0.1; done
done
sleep 0.5
# warm the JVM's JIT before measuring
timeout 60 diodload -s "$work/burrow.sock" -n 4 -r 2 >/dev/null 2>&1 || true

ops() { timeout $((secs + 30)) diodload -s "$1" "${@:2}" -r "$secs" 2>&1 | sed -n 's/.*: \([0-9]*\) ops\/s, \([0-9]*\) rMB\/s.*/\1 \2/p'; }

printf '| diodload | threads | diod ops/s | diod MB/s | burrow ops/s | burrow MB/s | burrow/diod |\n'
printf '|---|---|---|---|---|---|---|\n'
for mode in "rw 1" "rw 4" "getattr 1" "getattr 4"; do
  set -- $mode
  extra=(-n "$2"); [[ $1 == getattr ]] && extra+=(-g)
  read -r d dmb < <(ops "$work/diod.sock" "${extra[@]}")
  read -r b bmb < <(ops "$work/burrow.sock" "${extra[@]}")
  ratio=$(awk -v b="$b" -v d="$d" 'BEGIN { if (d > 0) printf "%.2f", b / d; else print "n/a" }')
  printf '| %s (unix socket) | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$d" "$dmb" "$b" "$bmb" "$ratio"
done
