#!/usr/bin/env bash
# Lifecycle latency of burrow against runc, side by side in one run, with hyperfine:
# create, start, delete and run of a busybox container running /bin/true, same bundle for both.
# Writes a Markdown table to stdout. Needs root, hyperfine and runc (scripts/setup.sh installs them),
# and a built cli/target/burrow.
#   scripts/bench-lifecycle.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
burrow=$PWD/cli/target/burrow
[ -x "$burrow" ] || { echo "build first: mvn -B package -DskipTests" >&2; exit 1; }
work=$(mktemp -d /tmp/burrow-bench.XXXXXX)
trap 'runc --root "$work/runc" delete -f b 2>/dev/null || true; "$burrow" --root "$work/burrow" delete -f b 2>/dev/null || true; rm -rf "$work"' EXIT
bash scripts/make-rootfs.sh "$work/bundle/rootfs"
sed -e 's/"args": \[.*\],$/"args": ["true"],/' -e 's/"readonly": true/"readonly": false/' \
  cli/src/main/bundle/config.json > "$work/bundle/config.json"
grep -q '"args": \["true"\]' "$work/bundle/config.json" || { echo "could not set args" >&2; exit 1; }

measure() { # NAME CMD PREPARE CLEANUP -> mean ms
  hyperfine -N --runs "$runs" --warmup 2 --export-json "$work/$1.json" \
    --prepare "$3" --cleanup "$4" "$2" >/dev/null 2>&1 || { echo "hyperfine failed on: $2" >&2; exit 1; }
  python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('%.1f' % (r['mean']*1000))" "$work/$1.json"
}

row() { # RUNTIME-CMD prefix
  local rt=$1 name=$2 b="$work/bundle"
  local create start delete run
  create=$(measure "$name-create" "$rt create --bundle $b b" "sh -c '$rt delete -f b >/dev/null 2>&1; true'" "true")
  start=$(measure "$name-start" "$rt start b" "sh -c '$rt delete -f b >/dev/null 2>&1; $rt create --bundle $b b'" "true")
  delete=$(measure "$name-delete" "$rt delete -f b" "sh -c '$rt delete -f b >/dev/null 2>&1; $rt create --bundle $b b'" "true")
  run=$(measure "$name-run" "$rt run --bundle $b b" "sh -c '$rt delete -f b >/dev/null 2>&1; true'" "true")
  echo "$name $create $start $delete $run"
}

r=$(row "runc --root $work/runc" runc)
d=$(row "$burrow --root $work/burrow --file-access direct" burrow-direct)
g=$(row "$burrow --root $work/burrow --file-access gofer" burrow-gofer)
python3 - "$r" "$d" "$g" "$runs" <<'PY'
import sys
r = sys.argv[1].split()
print("| runtime | create ms | start ms | delete ms | run ms |")
print("|---|---|---|---|---|")
print("| runc | %s | %s | %s | %s |" % tuple(r[1:]))
for row in sys.argv[2:4]:
    b = row.split()
    print("| %s | %s | %s | %s | %s |" % tuple(b))
    print("| %s/runc | " % b[0] + " | ".join("%.1f×" % (float(x) / float(y)) for x, y in zip(b[1:], r[1:])) + " |")
print()
print("hyperfine, %s runs each after 2 warm-ups; mean wall time; same bundle (busybox, `true`)." % sys.argv[4])
PY
