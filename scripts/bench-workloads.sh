#!/usr/bin/env bash
# File-system workloads in one busybox bundle, side by side in one run:
#   native  - busybox sh on the host, in a directory of the rootfs
#   runc    - runc run (the rootfs bind-mounted by runc)
#   direct  - burrow --file-access direct run
#   gofer   - burrow --file-access gofer run (FUSE in the sandbox -> 9P -> gofer)
#   overlay - burrow --file-access gofer --overlay run (writes land in the sandbox's tmpfs upper;
#             the read phase has nothing to read there, since phase a ran in another container)
#
#   MODES="native gofer" picks columns. Everything runs on a fresh ext4 in a loop file under
#   BENCH_DIR (default /tmp); BENCH_FS=none runs in BENCH_DIR itself.
#   scripts/bench-workloads.sh [REPEATS] [SIZE_MIB]
#
# Workloads (timed inside the container with /proc/uptime, so container start-up is excluded):
#   write    dd if=/dev/zero bs=1M count=SIZE_MIB (no fsync: the file-system stack, not the disk)
#   read     dd of the same file to /dev/null after `echo 3 > /proc/sys/vm/drop_caches` on the host
#   create   5,000 small files (shell loop, `echo $i > f$i`)
#   stat     `find | xargs stat` over 10,000 files the host created, caches dropped first
#   untar    tar -x of a tree (3,000 files in 60 dirs, ~40 MiB) from a tarball in the rootfs
# Each mode runs REPEATS times (default 3); the table shows the median. Needs root, runc, and a
# built burrow (cli/target/burrow). Prints a markdown table.
set -euo pipefail

REPEATS=${1:-3}
SIZE=${2:-512}
here=$(cd "$(dirname "$0")/.." && pwd)
BURROW=${BURROW:-$here/cli/target/burrow}
RUNC=${RUNC:-runc}

[ "$(id -u)" = 0 ] || { echo "bench-workloads.sh: needs root" >&2; exit 1; }
[ -x "$BURROW" ] || { echo "bench-workloads.sh: $BURROW missing; build first (mvn -B -o -q install -DskipTests)" >&2; exit 1; }
command -v "$RUNC" >/dev/null || { echo "bench-workloads.sh: runc not found (apt-get install runc)" >&2; exit 1; }

top=$(mktemp -d "${BENCH_DIR:-/tmp}/bw-XXXX")
work=$top
ids=()
cleanup() {
  for id in "${ids[@]}"; do
    "$BURROW" --root "$work/broot" delete --force "$id" >/dev/null 2>&1 || true
    "$RUNC" --root "$work/rroot" delete --force "$id" >/dev/null 2>&1 || true
  done
  if [ "$work" != "$top" ]; then umount "$work" || umount -l "$work"; fi
  rm -rf --one-file-system "$top"
}
trap cleanup EXIT
# A fresh ext4 on a loop file (BENCH_FS=none: use BENCH_DIR as it is). On a long-used file system,
# ext4's inode allocator scans past recently deleted inodes (recently_deleted() in perf), which
# made creates up to 10x slower depending on which block group a directory landed in.
if [ "${BENCH_FS:-ext4}" = ext4 ]; then
  truncate -s 16G "$top/fs.img"
  mkfs.ext4 -q -F "$top/fs.img"
  mkdir "$top/fs"
  mount -o loop "$top/fs.img" "$top/fs"
  work=$top/fs
fi

bundle=$work/bundle
mkdir -p "$bundle"
bash "$here/scripts/make-rootfs.sh" "$bundle/rootfs" >/dev/null
"$BURROW" spec --bundle "$bundle"
python3 - "$bundle/config.json" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["root"]["readonly"] = False
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "/bench.sh"]
c["mounts"] = [m for m in c.get("mounts", []) if m.get("type") not in ("cgroup", "cgroup2")]
json.dump(c, open(p, "w"), indent=1)
EOF

# The workload script. $1 = phase (a: write, create, untar; b: read, stat), $2 = work dir.
cat > "$bundle/rootfs/bench.sh" <<EOF
now() { cut -d' ' -f1 /proc/uptime; }
el() { awk -v a="\$1" -v b="\$2" 'BEGIN { printf "%.2f", b - a }'; }
phase=\${1:-\$(cat /phase)}; d=\${2:-\$(cat /wdir)}
cd "\$d" || exit 9
if [ "\$phase" = a ]; then
  t0=\$(now); dd if=/dev/zero of=big bs=1M count=$SIZE 2>/dev/null; t1=\$(now); echo "write \$(el \$t0 \$t1)"
  mkdir small; cd small; t0=\$(now); i=0; while [ \$i -lt 5000 ]; do echo \$i > f\$i; i=\$((i+1)); done; t1=\$(now); cd ..
  echo "create \$(el \$t0 \$t1)"
  mkdir x; t0=\$(now); tar -xf \${TREE:-/tree.tar} -C x; t1=\$(now); echo "untar \$(el \$t0 \$t1)"
else
  # (overlay: phase a's file lived in the previous container's tmpfs upper; nothing to read)
  if [ -f big ]; then t0=\$(now); dd if=big of=/dev/null bs=1M 2>/dev/null; t1=\$(now); echo "read \$(el \$t0 \$t1)"; fi
  t0=\$(now); n=\$(find statdir -type f | xargs stat -c %s | wc -l); t1=\$(now); echo "stat \$(el \$t0 \$t1) \$n"
fi
EOF

# The tree for tar -x, and the files for stat (created by the host, natively).
python3 - "$work/tree" <<'EOF'
import os, sys, random
root = sys.argv[1]; r = random.Random(4)
for d in range(60):
    os.makedirs(f"{root}/d{d}/sub", exist_ok=True)
    for i in range(50):
        n = r.choice([0, 100, 1000, 4000, 16000, 60000])
        with open(f"{root}/d{d}/{'sub/' if i % 2 else ''}f{i}", "wb") as f:
            f.write(os.urandom(n))
EOF
tar -cf "$bundle/rootfs/tree.tar" -C "$work/tree" .

statdir() {  # $1 = dir
  mkdir -p "$1/statdir"
  (cd "$1/statdir" && for d in $(seq 0 99); do mkdir d$d; (cd d$d && touch $(seq -f f%g 0 99)); done)
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR/2] + v[NR/2 + 1]) / 2 }'; }

run_mode() {  # $1 = mode, $2 = phase, $3 = work dir name; prints "workload seconds" lines
  local mode=$1 phase=$2 wdir=/w/$3
  echo "$phase" > "$bundle/rootfs/phase"; echo "$wdir" > "$bundle/rootfs/wdir"
  local id="bw-$mode-$phase-$RANDOM"
  ids+=("$id")
  case $mode in
    # The same busybox applets as in the container: the rootfs's bin comes first in PATH.
    native) (cd "$bundle/rootfs" && TREE=$bundle/rootfs/tree.tar PATH=$bundle/rootfs/bin:$PATH \
        "$bundle/rootfs/bin/busybox" sh ./bench.sh "$phase" "$bundle/rootfs$wdir") ;;
    runc) "$RUNC" --root "$work/rroot" run -b "$bundle" "$id" </dev/null ;;
    direct) "$BURROW" --root "$work/broot" --file-access direct run -b "$bundle" "$id" </dev/null ;;
    gofer) "$BURROW" --root "$work/broot" --file-access gofer run -b "$bundle" "$id" </dev/null ;;
    overlay) "$BURROW" --root "$work/broot" --file-access gofer --overlay run -b "$bundle" "$id" </dev/null ;;
  esac
}


read -r -a modes <<< "${MODES:-native runc direct gofer overlay}"
results=$work/results
: > "$results"
for rep in $(seq 1 "$REPEATS"); do
  for mode in "${modes[@]}"; do
    # A directory per run, removed only at the end: deletions would slow later creates (above).
    wdir=$bundle/rootfs/w/$mode-$rep
    mkdir -p "$wdir"; statdir "$wdir"
    sync; echo 3 > /proc/sys/vm/drop_caches
    run_mode "$mode" a "$mode-$rep" | sed "s/^/$mode /" >> "$results"
    sync; echo 3 > /proc/sys/vm/drop_caches
    run_mode "$mode" b "$mode-$rep" | sed "s/^/$mode /" >> "$results"
    echo "rep $rep $mode done" >&2
  done
done

echo
echo "Raw results (mode workload seconds [files]):" >&2
cat "$results" >&2
get() { awk -v m="$1" -v w="$2" '$1 == m && $2 == w { print $3 }' "$results" | median; }
mbps() { awk -v s="$1" -v n="$SIZE" 'BEGIN { if (s == "nan") print "n/a"; else if (s > 0) printf "%.0f", n / s; else print "inf" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan") print "n/a"; else if (b > 0) printf "%.2f×", a / b; else print "n/a" }'; }

echo
echo "| workload | native | runc | direct | gofer | gofer --overlay | gofer/native | gofer/runc | overlay/native | direct/native |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for w in write read; do
  n=$(get native $w); r=$(get runc $w); d=$(get direct $w); g=$(get gofer $w); o=$(get overlay $w)
  # For throughput the ratio is gofer MB/s over native MB/s (= native time / gofer time).
  echo "| sequential $w, $SIZE MiB (MB/s) | $(mbps "$n") | $(mbps "$r") | $(mbps "$d") | $(mbps "$g") | $(mbps "$o") | $(ratio "$n" "$g") | $(ratio "$r" "$g") | $(ratio "$n" "$o") | $(ratio "$n" "$d") |"
done
for w in create stat untar; do
  n=$(get native $w); r=$(get runc $w); d=$(get direct $w); g=$(get gofer $w); o=$(get overlay $w)
  case $w in create) label="create 5,000 small files (s)";; stat) label="stat 10,000 files, cold (s)";; untar) label="tar -x, 3,000 files / 40 MiB (s)";; esac
  echo "| $label | $n | $r | $d | $g | $o | $(ratio "$g" "$n") | $(ratio "$g" "$r") | $(ratio "$o" "$n") | $(ratio "$d" "$n") |"
done
echo
echo "Throughput ratios are gofer MB/s ÷ other MB/s (higher is better); time ratios are gofer time ÷ other time (lower is better). Median of $REPEATS."
