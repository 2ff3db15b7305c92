#!/usr/bin/env bash
# Side-by-side file-system benchmark: the same operations on a native directory and through
# burrow's FUSE bridge (FUSE -> FuseBridge -> 9P -> a real `burrow gofer` process -> host dir),
# in one run, on the same disk. Native is what runc (and burrow's direct mode) gives a container:
# a bind mount of the host directory.
# Usage (as root): scripts/bench-fuse.sh [SIZE_MB]   (default 1024 for the sequential tests)
# Env: BENCH_INPROCESS=1 serves with an in-process gofer instead of a separate process;
#      FUSE_THREADS=N bridge reader threads (default 8).
# Build first: mvn -B -o -pl fs-gofer -am compile (the script does it if needed).
set -euo pipefail
size_mb=${1:-1024}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /var/tmp/bench-fuse.XXXXXX)
pids=()
cleanup() {
  umount -l "$work/mnt" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
[[ $(id -u) == 0 ]] || { echo "run as root (FUSE mount)" >&2; exit 1; }

mkdir -p "$work/root" "$work/mnt" "$work/native"
(cd "$here" && mvn -B -q -o -pl fs-gofer -am compile dependency:build-classpath \
  -Dmdep.outputFile="$work/cp.txt" >/dev/null)
cp="$here/fs-gofer/target/classes:$(cat "$work/cp.txt")"
printf '{"ociVersion":"1.0.2","root":{"path":"%s"}}\n' "$work/root" > "$work/config.json"

if [[ -n "${BENCH_INPROCESS:-}" ]]; then
  src=(--serve="$work/root"); mode="in-process gofer"
else
  java -cp "$cp" io.burrow.fs.gofer.GoferMain gofer --bundle "$work" --serve-unix="$work/g.sock" \
    > "$work/gofer.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [[ -S "$work/g.sock" ]] && break; sleep 0.1; done
  src=(--socket="$work/g.sock"); mode="gofer process"
fi
java -cp "$cp" io.burrow.fs.gofer.FuseServeMain --mount="$work/mnt" "${src[@]}" \
  --threads="${FUSE_THREADS:-8}" > "$work/fuse.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do mountpoint -q "$work/mnt" && break; sleep 0.1; done
mountpoint -q "$work/mnt" || { cat "$work/fuse.log" >&2; exit 1; }

ms() { date +%s%N; }
# time CMD...: milliseconds of wall time
timed() { local s e; s=$(ms); "$@" >/dev/null; e=$(ms); echo $(( (e - s) / 1000000 )); }
mbps() { awk -v mb="$1" -v t="$2" 'BEGIN { printf "%.0f", mb * 1000 / (t > 0 ? t : 1) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
rows=()
row() { rows+=("| $1 | $2 | $3 | $4 |"); }

# Warm the bridge's JIT with a little of everything (not measured).
mkdir -p "$work/mnt/warm"
for i in $(seq 1 300); do echo $i > "$work/mnt/warm/f$i"; done
cat "$work/mnt/warm/"* >/dev/null; ls -l "$work/mnt/warm" >/dev/null; rm -rf "$work/mnt/warm"
dd if=/dev/zero of="$work/mnt/warmbig" bs=1M count=256 status=none
dd if="$work/mnt/warmbig" of=/dev/null bs=1M iflag=direct status=none; rm "$work/mnt/warmbig"
sync

# 1. Sequential write, SIZE_MB of zeros with 1 MiB writes (into the page cache; synced before).
n=$(timed dd if=/dev/zero of="$work/native/seq" bs=1M count="$size_mb" status=none)
f=$(timed dd if=/dev/zero of="$work/mnt/seq" bs=1M count="$size_mb" status=none)
row "sequential write ${size_mb} MiB (dd bs=1M)" "$(mbps "$size_mb" "$n") MB/s" "$(mbps "$size_mb" "$f") MB/s" \
  "$(ratio "$(mbps "$size_mb" "$f")" "$(mbps "$size_mb" "$n")")× speed"
rm -f "$work/native/seq" "$work/mnt/seq"; sync

# 2. Sequential read of a file written on the host side (host page cache warm on both sides;
#    the FUSE page cache is cold on the first read, warm on the second).
dd if=/dev/zero of="$work/native/seq" bs=1M count="$size_mb" status=none
dd if=/dev/zero of="$work/root/seq" bs=1M count="$size_mb" status=none
sync; cat "$work/native/seq" "$work/root/seq" >/dev/null
n=$(timed dd if="$work/native/seq" of=/dev/null bs=1M status=none)
f=$(timed dd if="$work/mnt/seq" of=/dev/null bs=1M status=none)
f2=$(timed dd if="$work/mnt/seq" of=/dev/null bs=1M status=none)
fd=$(timed dd if="$work/mnt/seq" of=/dev/null bs=1M iflag=direct status=none)
row "sequential read ${size_mb} MiB, FUSE cache cold" "$(mbps "$size_mb" "$n") MB/s" "$(mbps "$size_mb" "$f") MB/s" \
  "$(ratio "$(mbps "$size_mb" "$f")" "$(mbps "$size_mb" "$n")")× speed"
row "sequential read, FUSE page cache warm" "$(mbps "$size_mb" "$n") MB/s" "$(mbps "$size_mb" "$f2") MB/s" \
  "$(ratio "$(mbps "$size_mb" "$f2")" "$(mbps "$size_mb" "$n")")× speed"
row "sequential read, O_DIRECT (every byte over 9P)" "$(mbps "$size_mb" "$n") MB/s" "$(mbps "$size_mb" "$fd") MB/s" \
  "$(ratio "$(mbps "$size_mb" "$fd")" "$(mbps "$size_mb" "$n")")× speed"
rm -f "$work/native/seq" "$work/root/seq"; sync

# 3. stat of 10,000 files made on the host side: find stats every entry (first run: nothing
#    cached in FUSE; second run: within the entry/attribute timeouts).
mkfiles() { python3 -c 'import os,sys
d=sys.argv[1]; os.makedirs(d, exist_ok=True)
for i in range(int(sys.argv[2])):
    with open(os.path.join(d, "f%05d" % i), "wb") as f: f.write(b"x" * 100)' "$@"; }
mkfiles "$work/native/stat" 10000
mkfiles "$work/root/stat" 10000
sync
n=$(timed find "$work/native/stat" -type f -printf '%s %m\n')
f=$(timed find "$work/mnt/stat" -type f -printf '%s %m\n')
f2=$(timed find "$work/mnt/stat" -type f -printf '%s %m\n')
row "stat of 10,000 files (find -printf), cold" "$n ms" "$f ms" "$(ratio "$f" "$n")× time"
row "stat of 10,000 files, cached" "$n ms" "$f2 ms" "$(ratio "$f2" "$n")× time"

# 4. Create 5,000 small (100-byte) files from one process.
n=$(timed mkfiles "$work/native/create" 5000)
f=$(timed mkfiles "$work/mnt/create" 5000)
row "create of 5,000 small files" "$n ms" "$f ms" "$(ratio "$f" "$n")× time"

# 5. tar -x of a source tree (/usr/include).
tar -C /usr -cf "$work/tree.tar" include
files=$(tar -tf "$work/tree.tar" | wc -l); tmb=$(( $(stat -c %s "$work/tree.tar") / 1048576 ))
cat "$work/tree.tar" >/dev/null
n=$(timed tar -C "$work/native" -xf "$work/tree.tar")
f=$(timed tar -C "$work/mnt" -xf "$work/tree.tar")
row "tar -x of /usr/include ($files entries, $tmb MiB)" "$n ms" "$f ms" "$(ratio "$f" "$n")× time"

echo "FUSE bridge ($mode, ${FUSE_THREADS:-8} threads) vs native, $(nproc) cores, $(uname -r), $(java -version 2>&1 | head -1)"
echo
echo "| benchmark | native (runc, direct) | burrow FUSE -> 9P gofer | FUSE vs native |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
