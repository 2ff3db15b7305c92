package io.burrow.it;

import static io.burrow.it.GoferSupport.await;
import static io.burrow.it.GoferSupport.gofer;
import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.api.spec.IdMapping;
import io.burrow.api.spec.Linux;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Real busybox containers with {@code --file-access gofer}: every file access of the container
 * goes through FUSE in the sandbox, 9P, and the gofer. Shell workloads, a POSIX behaviour script
 * compared with direct mode, bind mounts, a mapped user namespace, overlay isolation, and the
 * sandbox's confinement.
 */
@ExtendWith(BurrowExtension.class)
class GoferModeTest {
  private static final Duration RUN = Duration.ofSeconds(240);

  /** {@code run --bundle B ID} in gofer mode (or with the given runner), asserted to exit 0. */
  private static String run(Burrow burrow, Bundle b, String id) {
    return burrow.withTimeout(RUN).run("run", "--bundle", b.dir().toString(), id).ok().stdout();
  }

  private static Map<String, String> keyValues(String out) {
    Map<String, String> kv = new TreeMap<>();
    for (String line : out.split("\n")) {
      int sp = line.indexOf(' ');
      if (sp > 0) {
        kv.put(line.substring(0, sp), line.substring(sp + 1).trim());
      }
    }
    return kv;
  }

  // ---------------------------------------------------------------- shell workloads

  @Test
  void tarUpAndUntarATree(TestEnv env) {
    Bundle b = env.bundle().shell(String.join("\n",
        "set -e",
        "mkdir -p /src/a/b/c /src/d '/src/ünï'",
        "i=0; while [ $i -lt 300 ]; do echo \"file $i $(seq -s, 1 $((i % 60)))\" > /src/a/f$i; i=$((i+1)); done",
        "cp /bin/busybox /src/d/bb; echo deep > /src/a/b/c/leaf; echo u > '/src/ünï/ö'",
        "ln -s ../a/f1 /src/d/link; ln /src/a/f2 /src/a/hard2; chmod 700 /src/a/b; chmod 640 /src/a/f3",
        "tar -cf /tree.tar -C /src .",
        "mkdir /dst; tar -xf /tree.tar -C /dst",
        "diff -r /src /dst && echo DIFF same",
        "echo ENTRIES $(tar -tf /tree.tar | wc -l)",
        "echo LINK $(readlink /dst/d/link)",
        "echo HARDLINKS $(stat -c %h /dst/a/f2)",
        "echo MODE $(stat -c %a /dst/a/b) $(stat -c %a /dst/a/f3)"));
    String out = run(gofer(env), b, "tar1");
    Map<String, String> kv = keyValues(out);
    assertThat(kv.get("DIFF")).as(out).isEqualTo("same");
    assertThat(kv.get("LINK")).as(out).isEqualTo("../a/f1");
    assertThat(kv.get("HARDLINKS")).as(out).isEqualTo("2");
    assertThat(kv.get("MODE")).as(out).isEqualTo("700 640");

    // The host sees the same trees, and the tar the container wrote is a valid archive of it.
    Path rootfs = b.rootfs();
    String src = Host.sh("sh", "-c", "cd " + rootfs.resolve("src") + " && find . -printf '%p %y %m %s %n %l\\n' | sort").ok().output();
    String dst = Host.sh("sh", "-c", "cd " + rootfs.resolve("dst") + " && find . -printf '%p %y %m %s %n %l\\n' | sort").ok().output();
    assertThat(dst).as("host view of the untarred tree vs the source tree").isEqualTo(src);
    assertThat(src.lines().count()).as(src).isGreaterThan(300);
    assertThat(kv.get("ENTRIES")).as(out).isEqualTo(Long.toString(src.lines().count()));
    Path hostDst = env.dir("host-untar");
    Host.sh("tar", "-xf", rootfs.resolve("tree.tar").toString(), "-C", hostDst.toString()).ok();
    Host.sh("diff", "-r", "--no-dereference", rootfs.resolve("src").toString(), hostDst.toString()).ok();
  }

  @Test
  void aProgramWithUmaskZeroGetsTheModesItAsksForAsOnTheHost(TestEnv env) {
    Bundle b = env.bundle().shell(String.join("\n",
        "set -e",
        "umask 0",
        "mkdir -m 1777 /tmp-like; mkdir -m 0777 /open-dir; touch /open-file; chmod 0 /open-file",
        "(umask 0; : > /made-open) ; mkfifo -m 0666 /fifo",
        "echo MODES $(stat -c %a /tmp-like /open-dir /made-open /fifo)",
        "umask 027; mkdir /masked; echo MASKED $(stat -c %a /masked)"));
    Map<String, String> kv = keyValues(run(gofer(env), b, "umask0"));
    assertThat(kv.get("MODES")).as("the caller's umask 0, applied once").isEqualTo("1777 777 666 666");
    assertThat(kv.get("MASKED")).as("the caller's umask 027, applied once").isEqualTo("750");
  }

  @Test
  void findAndStatOver5000Files(TestEnv env) {
    Bundle b = env.bundle().shell(String.join("\n",
        "set -e",
        "mkdir /many; d=0",
        "while [ $d -lt 50 ]; do mkdir /many/d$d; i=0; while [ $i -lt 100 ]; do echo \"$d-$i\" > /many/d$d/f$i; i=$((i+1)); done; d=$((d+1)); done",
        "echo COUNT $(find /many -type f | wc -l)",
        "echo DIRS $(find /many -type d | wc -l)",
        "echo STATLINES $(find /many -type f -exec stat -c '%n %s %h %a %u' {} + | wc -l)",
        "echo SIZESUM $(find /many -type f | xargs stat -c %s | awk '{s+=$1} END {print s}')",
        "echo SAMPLE $(stat -c '%s %h %a %u %g %Y' /many/d7/f42)"));
    String out = run(gofer(env), b, "find1");
    Map<String, String> kv = keyValues(out);
    assertThat(kv.get("COUNT")).as(out).isEqualTo("5000");
    assertThat(kv.get("DIRS")).as(out).isEqualTo("51");
    assertThat(kv.get("STATLINES")).as(out).isEqualTo("5000");
    Path many = b.rootfs().resolve("many");
    String hostCount = Host.sh("sh", "-c", "find " + many + " -type f | wc -l").ok().output().trim();
    String hostSum = Host.sh("sh", "-c", "find " + many + " -type f -printf '%s\\n' | awk '{s+=$1} END {print s}'").ok().output().trim();
    String hostSample = Host.sh("stat", "-c", "%s %h %a %u %g %Y", many.resolve("d7/f42").toString()).ok().output().trim();
    assertThat(hostCount).as("files the host sees").isEqualTo("5000");
    assertThat(kv.get("SIZESUM")).as("sum of sizes, container vs host; " + out).isEqualTo(hostSum);
    assertThat(kv.get("SAMPLE")).as("stat of one file, container vs host").isEqualTo(hostSample);
  }

  @Test
  void ddOf256MiBAndReadBackWithTheHostsSha256(TestEnv env) {
    Path data = env.dir("data");
    // Written on the host, read in the container through a gofer-served bind mount.
    Host.sh(Duration.ofSeconds(120), "sh", "-c", "head -c 268435456 /dev/urandom > " + data.resolve("hostbig")).ok();
    String hostWritten = GoferSupport.sha256(data.resolve("hostbig"));
    Bundle b = env.bundle().bind("/data", data, "rw").shell(String.join("\n",
        "set -e",
        "dd if=/dev/urandom of=/big bs=1M count=256 2>/dev/null",
        "echo SIZE $(stat -c %s /big)",
        "echo SUM $(sha256sum /big | cut -d' ' -f1)",
        "echo HOSTSUM $(sha256sum /data/hostbig | cut -d' ' -f1)",
        "dd if=/data/hostbig of=/copy bs=1M 2>/dev/null",
        "echo COPYSUM $(sha256sum /copy | cut -d' ' -f1)"));
    String out = run(gofer(env), b, "dd1");
    Map<String, String> kv = keyValues(out);
    assertThat(kv.get("SIZE")).as(out).isEqualTo("268435456");
    assertThat(GoferSupport.sha256(b.rootfs().resolve("big"))).as("host sha256 of the file the container wrote; " + out)
        .isEqualTo(kv.get("SUM"));
    assertThat(kv.get("HOSTSUM")).as("container sha256 of the file the host wrote").isEqualTo(hostWritten);
    assertThat(kv.get("COPYSUM")).as("container's copy of the host file").isEqualTo(hostWritten);
    assertThat(GoferSupport.sha256(b.rootfs().resolve("copy"))).as("host sha256 of the container's copy").isEqualTo(hostWritten);
  }

  // ---------------------------------------------------------------- POSIX behaviour

  static final String POSIX_SCRIPT = """
set -u
D=${1:-/posix}
rm -rf "$D"; mkdir -p "$D"; cd "$D" || exit 99
say() { echo "$*"; }
try() { "$@" 2>&1; echo "rc=$?"; }
say "== create/write/read"
echo hello > f; cat f; stat -c 'size=%s links=%h type=%F' f
say "== append"
echo world >> f; printf 'tail' >> f; cat f; echo; stat -c 'size=%s' f
say "== truncate"
truncate -s 3 f; cat f; echo; stat -c 'size=%s' f
truncate -s 10 f; stat -c 'size=%s' f; od -An -c f | tr -s ' '
: > f; stat -c 'size=%s' f
printf 'abcdefgh' > g; printf 'XY' | dd of=g bs=1 seek=2 conv=notrunc 2>/dev/null; cat g; echo
say "== rename over existing"
echo old > x; echo new > y; ln y y2; stat -c 'y links=%h' y
mv y x; cat x; try ls y; stat -c 'x links=%h' x; cat y2
mkdir d1 d2; echo in > d1/a; try mv d1 d2; ls d2; rmdir d2/d1 2>&1 | sed 's/^/  /'; echo "d2 entries: $(ls d2 | wc -l)"
mkdir e1 e2; touch e2/file; try mv e1 e2; try rmdir e2
say "== hard links"
echo L > h1; ln h1 h2; ln h1 h3; stat -c 'links=%h' h1
echo more >> h3; cat h1; [ "$(stat -c %i h1)" = "$(stat -c %i h3)" ] && say "same inode"
rm h2; stat -c 'links=%h' h1 h3; rm h1; stat -c 'links=%h' h3; cat h3
mkdir ld; stat -c 'dir links=%h' ld; mkdir ld/s1 ld/s2; stat -c 'dir links=%h' ld
try ln ld ldlink
say "== symlinks"
echo target > t; ln -s t s; ln -s nowhere dangling; ln -s ../"$(basename "$D")"/t rel
readlink s; readlink dangling; cat s; cat rel; try cat dangling
[ -L s ] && say "s is a link"; stat -c '%F' s; stat -L -c '%F size=%s' s
echo via-link >> s; cat t
ls -l s | awk '{print $1, $NF}'
rm s; [ -e t ] && say "target survives"
ln -s t s2; mv s2 s3; readlink s3
say "== chmod/chown as root"
echo secret > p; chmod 640 p; stat -c 'mode=%a' p; chmod u+x,g-r p; stat -c 'mode=%a' p
chown 1000:1000 p; stat -c 'owner=%u:%g' p; chgrp 0 p; stat -c 'owner=%u:%g' p
chmod 4755 p; stat -c 'mode=%a' p; chmod 755 p
mkdir sticky; chmod 1777 sticky; stat -c 'mode=%a' sticky
mknod fifo p 2>/dev/null || mkfifo fifo; stat -c '%F' fifo
say "== non-root user"
echo topsecret > priv; chmod 600 priv
try su -s /bin/sh user -c "cat $D/priv"
try su -s /bin/sh user -c "echo x >> $D/priv"
try su -s /bin/sh user -c "touch $D/newfile"
mkdir ud; chown 1000:1000 ud
try su -s /bin/sh user -c "echo mine > $D/ud/m; cat $D/ud/m; chmod 600 $D/ud/m; stat -c '%U %a' $D/ud/m"
try su -s /bin/sh user -c "chown 0 $D/ud/m"
chmod 644 priv; try su -s /bin/sh user -c "cat $D/priv"
say "== times"
echo t > tm; touch -d '2001-02-03 04:05:06' tm; stat -c 'mtime=%Y' tm
m0=$(stat -c %Y tm); c0=$(stat -c %Z tm)
sleep 1.1; echo more >> tm; m1=$(stat -c %Y tm); c1=$(stat -c %Z tm)
[ "$m1" -gt "$m0" ] && say "mtime advanced on write"; [ "$c1" -gt "$c0" ] && say "ctime advanced on write"
sleep 1.1; chmod 600 tm; m2=$(stat -c %Y tm); c2=$(stat -c %Z tm)
[ "$m2" = "$m1" ] && say "mtime kept on chmod"; [ "$c2" -gt "$c1" ] && say "ctime advanced on chmod"
mkdir tdir; d0=$(stat -c %Y tdir); sleep 1.1; touch tdir/n; d1=$(stat -c %Y tdir)
[ "$d1" -gt "$d0" ] && say "dir mtime advanced on create"
sleep 1.1; ln tm tm2; c3=$(stat -c %Z tm); [ "$c3" -gt "$c2" ] && say "ctime advanced on link"
touch -d '2001-02-03 04:05:06' tdir; stat -c 'dir mtime=%Y' tdir
say "== large sparse file"
dd if=/dev/zero of=sparse bs=1 count=0 seek=5G 2>/dev/null || dd if=/dev/zero of=sparse bs=1048576 count=0 seek=5120 2>/dev/null
stat -c 'size=%s' sparse
printf 'MARK-ABOVE-4G' | dd of=sparse bs=1 seek=4500000000 conv=notrunc 2>/dev/null
stat -c 'size=%s' sparse
dd if=sparse bs=1 skip=4500000000 count=13 2>/dev/null; echo
dd if=sparse bs=1048576 skip=5119 count=1 2>/dev/null | od -An -tx1 | sort -u | tr -s ' '
b=$(stat -c %b sparse); [ "$b" -lt 20480 ] && say "sparse: few blocks allocated" || say "sparse: $b blocks"
printf 'END' >> sparse; stat -c 'size=%s' sparse; tail -c 3 sparse; echo
truncate -s 4294967297 sparse; stat -c 'size=%s' sparse
rm sparse
say "== deep tree"
p=deep; i=0; while [ $i -lt 100 ]; do p=$p/level$i; i=$((i+1)); done
mkdir -p "$p"; echo bottom > "$p/leaf"; cat "$p/leaf"
find deep | wc -l; find deep -type f
( cd "$p" && pwd | wc -c && cat leaf && cd ../../.. && pwd | sed "s|.*/deep/||" | tr '/' '\\n' | wc -l )
mv deep deep2; cat "deep2${p#deep}/leaf"; rm -r deep2; [ -e deep2 ] || say "deep tree removed"
say "== unicode names"
for n in 'héllo wörld' '日本語' '🐢turtle' 'Ωmega-ß' 'tab\tname' 'ünïcödé.txt'; do echo "content of $n" > "$n"; done
printf '%s\\n' * | grep -v -e '^[a-z0-9]*$'; cat '日本語'; mv '🐢turtle' 'ßnew🐢'; cat 'ßnew🐢'
mkdir 'répertoire'; touch 'répertoire/фаил'; printf '%s\\n' répertoire/*
say "== misc errors"
try mkdir ld; try rmdir ld; try rm nosuchfile; try cat ld; try touch nodir/x
try ln -s t ld/s1
say "== directory listing"
ls -1a | head -5; ls | wc -l; ls -a | wc -l
say "== done"
""";

  @Test
  void posixBehaviourMatchesDirectMode(TestEnv env) {
    Bundle gb = GoferSupport.withDockerCaps(env.bundle("posix-gofer")).args("sh", "/posix.sh", "/posix");
    GoferSupport.write(gb.rootfs().resolve("posix.sh"), POSIX_SCRIPT);
    Bundle db = gb.copyTo(env.base().resolve("posix-direct"));
    String direct = run(env.burrow().withGlobalFlags("--file-access", "direct"), db, "posix-direct");
    String viaGofer = run(gofer(env), gb, "posix-gofer");
    System.out.println("--- POSIX script in gofer mode ---\n" + viaGofer);
    // Expected values first (direct mode could be wrong too), then line by line against direct mode.
    assertThat(viaGofer).as("gofer output").contains(
        "hello\nsize=6 links=1 type=regular file",
        "size=16", "abXYefgh", "new\nls: y: No such file or directory",
        "links=3", "same inode", "dir links=4",
        "cat: can't open 'dangling': No such file or directory",
        "mode=640", "owner=1000:1000", "mode=4755", "mode=1777",
        "cat: can't open '/posix/priv': Permission denied",
        "touch: /posix/newfile: Permission denied",
        "mtime=981173106", "mtime advanced on write", "ctime advanced on write", "mtime kept on chmod",
        "ctime advanced on chmod", "dir mtime advanced on create", "ctime advanced on link",
        "size=5368709120", "MARK-ABOVE-4G", "size=5368709123", "size=4294967297",
        "bottom", "deep tree removed", "content of 日本語", "répertoire/фаил", "tab\tname",
        "== done");
    List<String> d = direct.lines().toList();
    List<String> g = viaGofer.lines().toList();
    List<String> diffs = new ArrayList<>();
    for (int i = 0; i < Math.max(d.size(), g.size()); i++) {
      String dl = i < d.size() ? d.get(i) : "<none>";
      String gl = i < g.size() ? g.get(i) : "<none>";
      if (!dl.equals(gl)) {
        diffs.add("line " + (i + 1) + ": direct [" + dl + "] gofer [" + gl + "]");
      }
    }
    assertThat(diffs).as("POSIX script: gofer mode vs direct mode\n--- direct ---\n%s\n--- gofer ---\n%s", direct, viaGofer).isEmpty();
  }

  // ---------------------------------------------------------------- bind mounts

  @Test
  void bindMountsAreServedByTheGoferAndRoIsEnforced(TestEnv env) throws Exception {
    Path rw = env.dir("rw");
    Path ro = env.dir("ro");
    GoferSupport.write(ro.resolve("existing"), "ro-content\n");
    Path files = env.dir("files");
    GoferSupport.write(files.resolve("rwfile"), "rw-file\n");
    GoferSupport.write(files.resolve("rofile"), "ro-file\n");
    Bundle b = env.bundle()
        .bind("/mnt/rw", rw, "rw").bind("/mnt/ro", ro, "ro")
        .bind("/etc/rwfile", files.resolve("rwfile"), "rw").bind("/etc/rofile", files.resolve("rofile"), "ro")
        .shell(String.join("\n",
            "grep -E ' /(mnt/rw|mnt/ro|etc/rwfile|etc/rofile) ' /proc/mounts | sed 's/^/MOUNT /'",
            "echo new > /mnt/rw/new && echo RWDIR ok",
            "echo x > /mnt/ro/new; echo RODIR-CREATE $?",
            "echo x >> /mnt/ro/existing; echo RODIR-APPEND $?",
            "rm /mnt/ro/existing; echo RODIR-RM $?",
            "mkdir /mnt/ro/d; echo RODIR-MKDIR $?",
            "touch /mnt/ro/existing; echo RODIR-TOUCH $?",
            "chmod 777 /mnt/ro/existing; echo RODIR-CHMOD $?",
            "echo ROREAD $(cat /mnt/ro/existing)",
            "echo appended >> /etc/rwfile && echo RWFILE ok",
            "echo x >> /etc/rofile; echo ROFILE-APPEND $?",
            "echo ROFILE $(cat /etc/rofile)"));
    Burrow.Result r = gofer(env).withTimeout(RUN).run("run", "--bundle", b.dir().toString(), "bind1").ok();
    String out = r.stdout();
    List<String> mounts = out.lines().filter(l -> l.startsWith("MOUNT ")).toList();
    assertThat(mounts).as(out).hasSize(4);
    for (String m : mounts) {
      String[] f = m.split(" ");
      assertThat(f[3]).as("fs type of %s", m).isEqualTo("fuse.burrow");
      boolean readOnly = f[2].endsWith("ro") || f[2].endsWith("rofile");
      assertThat(f[4].split(",")[0]).as("options of %s", m).isEqualTo(readOnly ? "ro" : "rw");
    }
    Map<String, String> kv = keyValues(out);
    assertThat(kv.get("RWDIR")).as(out).isEqualTo("ok");
    assertThat(GoferSupport.read(rw.resolve("new"))).isEqualTo("new\n");
    for (String k : List.of("RODIR-CREATE", "RODIR-APPEND", "RODIR-RM", "RODIR-MKDIR", "RODIR-TOUCH", "RODIR-CHMOD", "ROFILE-APPEND")) {
      assertThat(kv.get(k)).as("%s must fail; %s", k, out).isNotEqualTo("0");
    }
    assertThat(r.stderr()).as("errors of writes to ro binds").contains("Read-only file system");
    assertThat(kv.get("ROREAD")).isEqualTo("ro-content");
    assertThat(kv.get("RWFILE")).as(out).isEqualTo("ok");
    assertThat(GoferSupport.read(files.resolve("rwfile"))).isEqualTo("rw-file\nappended\n");
    assertThat(GoferSupport.read(files.resolve("rofile"))).isEqualTo("ro-file\n");
    assertThat(GoferSupport.read(ro.resolve("existing"))).isEqualTo("ro-content\n");
    try (var s = Files.list(ro)) {
      assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("existing");
    }
  }

  @Test
  void hostChangesInABindMountAreSeenAtOnce(TestEnv env) {
    Path shared = env.dir("shared");
    GoferSupport.write(shared.resolve("f"), "v1\n");
    GoferSupport.write(shared.resolve("gone"), "x\n");
    // The container first fills every cache it can (lookups, a negative lookup, the listing, the
    // pages of f), then polls for 15 s, well under the root's 60 s cache timeouts.
    Bundle b = env.bundle().bind("/shared", shared, "rw").shell(String.join("\n",
        "ls /shared >/dev/null; cat /shared/f >/dev/null; [ -e /shared/new ]; stat /shared/gone >/dev/null",
        "echo READY",
        "while [ ! -e /shared/go ]; do sleep 0.05; done",
        "i=0; while [ $i -lt 150 ]; do",
        "  if [ -e /shared/new ] && [ ! -e /shared/gone ] && [ \"$(cat /shared/f)\" = v2-longer ] && ls /shared | grep -qx new; then echo SEEN $i; exit 0; fi",
        "  sleep 0.1; i=$((i+1))",
        "done",
        "echo NOT-SEEN new=$([ -e /shared/new ] && echo y) gone=$([ -e /shared/gone ] && echo y) f=$(cat /shared/f) ls=$(ls /shared | tr '\\n' ,)",
        "exit 1"));
    Burrow burrow = gofer(env);
    Burrow.Result create = burrow.run("create", "--bundle", b.dir().toString(), "sh1").ok();
    burrow.run("start", "sh1").ok();
    await(Duration.ofSeconds(30), "the container to print READY", () -> create.stdout().contains("READY"));
    Host.sh("sleep", "2").ok(); // let the container look up "go" (negatively) for a while
    GoferSupport.write(shared.resolve("new"), "new\n");
    GoferSupport.write(shared.resolve("f"), "v2-longer\n");
    Host.sh("rm", shared.resolve("gone").toString()).ok();
    // "go" itself was looked up (negatively) many times: a cached negative entry would hide it for 60 s.
    GoferSupport.write(shared.resolve("go"), "");
    await(Duration.ofSeconds(40), "the container to finish (stdout: " + create.stdout() + ")",
        () -> create.stdout().contains("SEEN") || create.stdout().contains("NOT-SEEN"));
    assertThat(create.stdout()).as("host-side create, rewrite and delete in a bind mount, seen from the container")
        .contains("SEEN ").doesNotContain("NOT-SEEN");
    env.awaitStatus("sh1", "stopped");
    burrow.run("delete", "sh1").ok();
  }

  // ---------------------------------------------------------------- user namespace

  @Test
  void mappedUserNamespaceWorksInGoferMode(TestEnv env) throws Exception {
    Path data = env.dir("data");
    Bundle b = GoferSupport.withDockerCaps(env.bundle()).bind("/data", data, "rw");
    Host.sh("chown", "-R", "100000:100000", b.rootfs().toString(), data.toString()).ok();
    Host.sh("chown", "101000:101000", b.rootfs().resolve("home/user").toString()).ok();
    b.edit(s -> {
      s.linux.namespaces = new ArrayList<>(List.of(
          new Linux.Namespace("pid", null), new Linux.Namespace("mount", null), new Linux.Namespace("uts", null),
          new Linux.Namespace("ipc", null), new Linux.Namespace("network", null), new Linux.Namespace("user", null)));
      s.linux.uidMappings = new ArrayList<>(List.of(new IdMapping(0, 100000, 65536)));
      s.linux.gidMappings = new ArrayList<>(List.of(new IdMapping(0, 100000, 65536)));
    }).shell(String.join("\n",
        "echo uid $(id -u)",
        "echo uidmap $(cat /proc/self/uid_map)",
        "echo rootfs $(grep ' / ' /proc/mounts | cut -d' ' -f3)",
        "echo passwd $(head -1 /etc/passwd)",
        "echo owner $(stat -c %u:%g /etc/passwd)",
        "echo hi > /created && echo created $(stat -c %u:%g /created)",
        "touch /data/owned && mkdir /data/dir && echo wrote yes",
        "su -s /bin/sh user -c 'echo u > /home/user/ufile' && echo userfile $(stat -c %u:%g /home/user/ufile)",
        "chown 1000:1000 /created && echo chowned $(stat -c %u:%g /created)"));
    String out = run(gofer(env), b, "user1");
    Map<String, String> kv = keyValues(out);
    assertThat(kv.get("uid")).as(out).isEqualTo("0");
    assertThat(kv.get("uidmap")).as(out).isEqualTo("0 100000 65536");
    assertThat(kv.get("rootfs")).as(out).isEqualTo("fuse.burrow");
    assertThat(kv.get("passwd")).as(out).isEqualTo("root:x:0:0:root:/root:/bin/sh");
    assertThat(kv.get("owner")).as("container view of a host file owned by 100000; " + out).isEqualTo("0:0");
    assertThat(kv.get("created")).as(out).isEqualTo("0:0");
    assertThat(kv.get("wrote")).as(out).isEqualTo("yes");
    assertThat(Files.getAttribute(b.rootfs().resolve("created"), "unix:uid")).as("host owner after chown 1000 inside").isEqualTo(101000);
    assertThat(kv.get("chowned")).as(out).isEqualTo("1000:1000");
    assertThat(Files.getAttribute(data.resolve("owned"), "unix:uid")).as("host owner of a file created by container root").isEqualTo(100000);
    assertThat(Files.getAttribute(data.resolve("dir"), "unix:gid")).isEqualTo(100000);
    // A file created by the container's uid 1000 belongs to host uid 101000 (as in direct mode).
    assertThat(kv.get("userfile")).as("container view of a file user 1000 created; " + out).isEqualTo("1000:1000");
    assertThat(Files.getAttribute(b.rootfs().resolve("home/user/ufile"), "unix:uid")).as("host owner of user 1000's file").isEqualTo(101000);
  }

  // ---------------------------------------------------------------- overlay

  /** Every path of a tree with type, mode, owner, size, mtime, link target, and every regular file's sha256. */
  static String fingerprint(Path dir) {
    return Host.sh(Duration.ofSeconds(120), "sh", "-c", "cd " + dir + " && find . -printf '%p|%y|%m|%U|%G|%s|%T@|%l\\n' | sort"
        + " && find . -type f -print0 | sort -z | xargs -0 sha256sum").ok().output();
  }

  @Test
  void overlayWritesStayInsideAndTheHostRootfsIsUnchanged(TestEnv env) {
    Bundle b = GoferSupport.withDockerCaps(env.bundle()).shell(String.join("\n",
        "echo new > /newfile && echo NEWFILE $(cat /newfile)",
        "echo changed >> /etc/passwd && echo PASSWD $(tail -1 /etc/passwd)",
        "rm /etc/hostname && [ ! -e /etc/hostname ] && echo HOSTNAME gone",
        "rm /bin/ls && [ ! -e /bin/ls ] && echo LS gone",
        "mv /etc/group /etc/group2 && echo GROUP2 $(head -1 /etc/group2)",
        "mkdir -p /newdir/sub && ln /newfile /newdir/sub/hard && echo HARD $(stat -c %h /newfile)",
        "chmod 600 /etc/passwd && chown 1000 /bin/busybox && touch /bin && echo META ok",
        "dd if=/dev/zero of=/zeros bs=1M count=8 2>/dev/null && echo ZEROS $(stat -c %s /zeros)",
        "rm -rf /home && echo HOME $(ls / | grep -c home)",
        "echo ROOTFS $(grep ' / ' /proc/mounts | cut -d' ' -f1,3)",
        "echo LOWER $(grep -c fuse.burrow /proc/mounts)"));
    String before = fingerprint(b.rootfs());
    Burrow burrow = gofer(env, "--overlay");
    burrow.run("create", "--bundle", b.dir().toString(), "ov1").ok();
    GoferSupport.Pids pids = GoferSupport.pids(env, "ov1");
    assertThat(Host.cmdline(pids.fileServer())).as("the gofer's command line with --overlay").contains("--panic-on-write=true");
    Path stdout = env.base().resolve("out").resolve("ov1.stdout");
    burrow.run("start", "ov1").ok();
    env.awaitStatus("ov1", "stopped");
    String out = latestCreateStdout(env);
    System.out.println("overlay container stdout:\n" + out);
    burrow.run("delete", "ov1").ok();
    GoferSupport.assertNothingLeft(env, "ov1", pids);
    Map<String, String> kv = keyValues(out);
    assertThat(kv.get("NEWFILE")).as(out).isEqualTo("new");
    assertThat(kv.get("PASSWD")).as(out).isEqualTo("changed");
    assertThat(kv.get("HOSTNAME")).as(out).isEqualTo("gone");
    assertThat(kv.get("LS")).as(out).isEqualTo("gone");
    assertThat(kv.get("GROUP2")).as(out).isEqualTo("root:x:0:");
    assertThat(kv.get("HARD")).as(out).isEqualTo("2");
    assertThat(kv.get("META")).as(out).isEqualTo("ok");
    assertThat(kv.get("ZEROS")).as(out).isEqualTo("8388608");
    assertThat(kv.get("HOME")).as(out).isEqualTo("0");
    assertThat(kv.get("ROOTFS")).as(out).isEqualTo("overlay overlay");
    assertThat(kv.get("LOWER")).as("the FUSE lower is not visible as a mount of the container; " + out).isEqualTo("0");
    String after = fingerprint(b.rootfs());
    assertThat(after).as("host rootfs fingerprint after the overlay container (stdout of stdout file %s)", stdout).isEqualTo(before);
  }

  /** The stdout of the most recent create (the harness names output files NNN-create.stdout). */
  private static String latestCreateStdout(TestEnv env) {
    try (var s = Files.list(env.base().resolve("out"))) {
      Path f = s.filter(p -> p.getFileName().toString().endsWith("-create.stdout")).sorted().reduce((a, c) -> c)
          .orElseThrow(() -> new AssertionError("no create stdout in " + env.base().resolve("out")));
      return GoferSupport.read(f);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  // ---------------------------------------------------------------- confinement

  /**
   * The gofer is launched with a small bounding set and no_new_privs (before its JVM exists), so
   * every thread of it, the JVM's own included, holds at most the file-ownership capabilities,
   * CAP_SYS_CHROOT and, for a container that may make devices, CAP_MKNOD; the threads that serve
   * 9P hold no CAP_SYS_CHROOT either. Every thread runs under the gofer's seccomp allowlist.
   */
  @Test
  void everyGoferThreadIsBornWithoutTheCapabilitiesItDoesNotNeedAndIsFiltered(TestEnv env) throws Exception {
    Bundle b = env.bundle().args("sleep", "600");
    boolean mknod = b.spec().process.capabilities.bounding.contains("CAP_MKNOD");
    long serving = 0x1fL | (mknod ? 1L << 27 : 0), launched = serving | 1L << 18;
    Burrow burrow = gofer(env);
    burrow.run("create", "--bundle", b.dir().toString(), "caps1").ok();
    burrow.run("start", "caps1").ok();
    long gofer = GoferSupport.pids(env, "caps1").fileServer();
    List<String> table = new ArrayList<>();
    List<String> violations = new ArrayList<>();
    int servingThreads = 0;
    try (var s = Files.list(Path.of("/proc/" + gofer + "/task"))) {
      for (Path task : s.toList()) {
        String comm = GoferSupport.read(task.resolve("comm")).trim();
        java.util.Map<String, String> st = new java.util.HashMap<>();
        for (String line : GoferSupport.read(task.resolve("status")).split("\n")) {
          int colon = line.indexOf(':');
          if (colon > 0) {
            st.put(line.substring(0, colon), line.substring(colon + 1).trim());
          }
        }
        long eff = Long.parseUnsignedLong(st.get("CapEff"), 16), bnd = Long.parseUnsignedLong(st.get("CapBnd"), 16);
        table.add(task.getFileName() + " " + comm + " CapEff " + st.get("CapEff") + " CapBnd " + st.get("CapBnd")
            + " NoNewPrivs " + st.get("NoNewPrivs") + " Seccomp " + st.get("Seccomp") + "/" + st.get("Seccomp_filters"));
        boolean serves = comm.startsWith("gofer-conn") || comm.startsWith("gofer-worker");
        servingThreads += serves ? 1 : 0;
        long allowed = serves ? serving : launched;
        // Seccomp 2: a filter (the gofer's allowlist, one filter: nothing else stacked on it)
        if ((eff & ~allowed) != 0 || (bnd & ~launched) != 0 || !"1".equals(st.get("NoNewPrivs"))
            || !"2".equals(st.get("Seccomp")) || !"1".equals(st.get("Seccomp_filters"))) {
          violations.add(table.get(table.size() - 1));
        }
      }
    }
    System.out.println("gofer " + gofer + " threads:\n  " + String.join("\n  ", table));
    assertThat(servingThreads).as("threads serving 9P among\n  %s", String.join("\n  ", table)).isPositive();
    assertThat(violations).as("gofer threads with more than they need (serving: %x, others: %x; all: no_new_privs and its seccomp filter)",
        serving, launched)
        .isEmpty();
    burrow.run("delete", "--force", "caps1").ok();
  }

  /**
   * Issue 14: once its init runs, the sandbox holds no capability on any thread (it runs as
   * nobody, or in a user namespace as an unprivileged id it maps) but CAP_KILL on the thread that
   * started the init, which the kernel needs to send the init its parent-death signal, with
   * no_new_privs and its seccomp allowlist, whether the spec has a user namespace or not. The
   * other threads' bounding sets stay as they were (they are per thread): with no capability,
   * no_new_privs and execve refused, nothing can raise one from them.
   */
  @Test
  void everySandboxThreadHoldsNoCapabilityAndIsFiltered(TestEnv env) throws Exception {
    assertTheSandboxHoldsNothing(env, env.bundle().args("sleep", "600"), "sbcaps1", "65534");
  }

  @Test
  void everySandboxThreadHoldsNoCapabilityAndIsFilteredInAUserNamespace(TestEnv env) throws Exception {
    Bundle b = env.bundle().args("sleep", "600");
    Host.sh("chown", "-R", "100000:100000", b.rootfs().toString()).ok();
    b.withNamespace("user").edit(s -> {
      s.linux.uidMappings = new ArrayList<>(List.of(new IdMapping(0, 100000, 65536)));
      s.linux.gidMappings = new ArrayList<>(List.of(new IdMapping(0, 100000, 65536)));
    });
    assertTheSandboxHoldsNothing(env, b, "sbcaps2", Long.toString(100000 + 65534));
  }

  private static final long CAP_KILL = 1L << 5;

  private void assertTheSandboxHoldsNothing(TestEnv env, Bundle b, String id, String hostUid) throws Exception {
    Burrow burrow = gofer(env);
    burrow.run("create", "--bundle", b.dir().toString(), id).ok();
    burrow.run("start", id).ok();
    long sb = GoferSupport.pids(env, id).sandbox();
    Path task = Path.of("/proc/" + sb + "/task");
    await(Duration.ofSeconds(10), "the sandbox " + sb + " to confine itself",
        () -> GoferSupport.read(Path.of("/proc/" + sb + "/status")).contains("Seccomp:\t2"));
    List<String> table = new ArrayList<>();
    List<String> violations = new ArrayList<>();
    int killers = 0;
    try (var s = Files.list(task)) {
      for (Path t : s.toList()) {
        Map<String, String> st = new TreeMap<>();
        for (String line : GoferSupport.read(t.resolve("status")).split("\n")) {
          int colon = line.indexOf(':');
          if (colon > 0) {
            st.put(line.substring(0, colon), line.substring(colon + 1).trim());
          }
        }
        String row = t.getFileName() + " " + GoferSupport.read(t.resolve("comm")).trim() + " Uid " + st.get("Uid")
            + " CapEff " + st.get("CapEff") + " CapPrm " + st.get("CapPrm") + " CapAmb " + st.get("CapAmb")
            + " NoNewPrivs " + st.get("NoNewPrivs") + " Seccomp " + st.get("Seccomp") + "/" + st.get("Seccomp_filters");
        table.add(row);
        boolean nobody = java.util.Arrays.stream(st.get("Uid").split("\\s+")).allMatch(hostUid::equals)
            && java.util.Arrays.stream(st.get("Gid").split("\\s+")).allMatch(hostUid::equals);
        long eff = Long.parseUnsignedLong(st.get("CapEff"), 16), prm = Long.parseUnsignedLong(st.get("CapPrm"), 16);
        killers += eff == CAP_KILL ? 1 : 0;
        if (!nobody || (eff != 0 && eff != CAP_KILL) || prm != eff || Long.parseUnsignedLong(st.get("CapAmb"), 16) != 0 || !"1".equals(st.get("NoNewPrivs"))
            || !"2".equals(st.get("Seccomp")) || !"1".equals(st.get("Seccomp_filters"))) {
          violations.add(row);
        }
      }
    }
    System.out.println("sandbox " + sb + " threads:\n  " + String.join("\n  ", table));
    assertThat(table).as("threads of the sandbox").hasSizeGreaterThan(3);
    assertThat(killers).as("threads holding CAP_KILL (the init's parent only) among\n  %s", String.join("\n  ", table))
        .isLessThanOrEqualTo(1);
    assertThat(violations).as("sandbox threads that are not host uid/gid %s with no capability (or CAP_KILL alone), no_new_privs and one seccomp filter",
        hostUid).isEmpty();
    // Confined, it still serves the container's files.
    Burrow.Result exec = burrow.run("exec", id, "sh", "-c", "echo served > /tmp/f && cat /tmp/f && ls /bin/sh");
    assertThat(exec.ok().stdout()).contains("served", "/bin/sh");
    burrow.run("delete", "--force", id).ok();
  }

  @Test
  void theSandboxHasNoPathToHostFiles(TestEnv env) throws Exception {
    Path data = env.dir("data");
    GoferSupport.write(data.resolve("hostfile"), "host\n");
    Bundle b = env.bundle().bind("/data", data, "rw").args("sleep", "600");
    Burrow burrow = gofer(env);
    Burrow.Result create = burrow.run("create", "--bundle", b.dir().toString(), "conf1").ok();
    burrow.run("start", "conf1").ok();
    env.awaitStatus("conf1", "running");
    GoferSupport.Pids pids = GoferSupport.pids(env, "conf1");
    long sb = pids.sandbox();
    Path emptyRoot = env.stateDir("conf1").resolve("sandbox-root").toRealPath();
    // The sandbox confines itself once the init runs; allow it a moment after start.
    await(Duration.ofSeconds(10), "/proc/" + sb + "/root to become " + emptyRoot + " (is " + GoferSupport.readLink(Path.of("/proc/" + sb + "/root")) + ")",
        () -> GoferSupport.readLink(Path.of("/proc/" + sb + "/root")).map(emptyRoot.toString()::equals).orElse(false));
    assertThat(GoferSupport.readLink(Path.of("/proc/" + sb + "/cwd"))).as("sandbox cwd").contains(emptyRoot.toString());
    try (var s = Files.list(Path.of("/proc/" + sb + "/root"))) {
      assertThat(s.toList()).as("entries of /proc/%d/root", sb).isEmpty();
    }
    // chroot is per process (shared fs_struct): every thread of the JVM has the empty root.
    List<String> threadRoots = new ArrayList<>();
    try (var s = Files.list(Path.of("/proc/" + sb + "/task"))) {
      for (Path t : s.toList()) {
        String r = GoferSupport.readLink(t.resolve("root")).orElse("?");
        if (!r.equals(emptyRoot.toString())) {
          threadRoots.add(t.getFileName() + " -> " + r);
        }
      }
    }
    assertThat(threadRoots).as("threads of the sandbox whose root is not the empty dir").isEmpty();
    assertThat(Host.ns(sb, "mnt")).as("the sandbox has a mount namespace of its own").isNotEqualTo(Host.ns(ProcessHandle.current().pid(), "mnt"));

    // Open fds: sockets, pipes, anon inodes and a few devices are fine; the only regular files may be
    // the container's stdio (fds 0-2 as given to create) and the JVM's own code (JDK, burrow's jars).
    Path javaHome = Path.of(Host.sh("sh", "-c", "readlink -f /proc/" + sb + "/exe").ok().output().trim()).getParent().getParent();
    Path burrowLib = Burrow.configuredExecutable().getParent().resolve("lib").toRealPath();
    List<String> stdio = List.of("/dev/null", create.stdoutFile().toRealPath().toString(), create.stderrFile().toRealPath().toString());
    List<String> devices = List.of("/dev/null", "/dev/random", "/dev/urandom", "/dev/fuse");
    List<String> listing = new ArrayList<>();
    List<String> violations = new ArrayList<>();
    try (var s = Files.list(Path.of("/proc/" + sb + "/fd"))) {
      for (Path fd : s.sorted(java.util.Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString()))).toList()) {
        int n = Integer.parseInt(fd.getFileName().toString());
        String target = GoferSupport.readLink(fd).orElse("?");
        listing.add(n + " -> " + target);
        if (target.startsWith("socket:") || target.startsWith("pipe:") || target.startsWith("anon_inode:") || target.equals("?")) {
          continue;
        }
        boolean ok = (n <= 2 && stdio.contains(target)) || devices.contains(target)
            || (target.startsWith(burrowLib + "/") && target.endsWith(".jar")) || target.startsWith(javaHome + "/");
        // A private /dev/fuse node in the state dir (user namespace case) is a device too.
        ok |= target.startsWith(env.stateDir("conf1").toString()) && target.endsWith("fuse");
        if (!ok) {
          violations.add(n + " -> " + target);
        }
      }
    }
    System.out.println("theSandboxHasNoPathToHostFiles: sandbox " + sb + " fds (java.home " + javaHome + ", lib " + burrowLib + "):\n  "
        + String.join("\n  ", listing));
    System.out.println("sandbox status: " + Host.sh("sh", "-c", "grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/" + sb
        + "/status; echo tasks with NoNewPrivs 1: $(grep -l 'NoNewPrivs:.1' /proc/" + sb + "/task/*/status | wc -l) of $(ls /proc/" + sb + "/task | wc -l)").output());
    assertThat(violations).as("sandbox fds that name host files other than stdio and the JVM's code; all fds:\n  %s",
        String.join("\n  ", listing)).isEmpty();
    assertThat(listing).as("nothing under the bundle or the bind source is open in the sandbox")
        .noneMatch(l -> l.contains(b.dir().toString()) || l.contains(data.toString()));
    // The init, by contrast, runs in the FUSE root.
    assertThat(Host.sh("sh", "-c", "grep ' / ' /proc/" + pids.init() + "/mounts").ok().output()).contains("fuse.burrow");

    burrow.run("delete", "--force", "conf1").ok();
    GoferSupport.assertNothingLeft(env, "conf1", pids);
    assertThat(GoferSupport.hostMountTraces(env)).as("fuse.burrow or test mounts in the host's mountinfo").isEmpty();
  }

  @Test
  void deleteLeavesNoMountsAndNoProcesses(TestEnv env) {
    Bundle b = env.bundle().args("sleep", "600");
    Burrow burrow = gofer(env);
    burrow.run("create", "--bundle", b.dir().toString(), "d1").ok();
    GoferSupport.Pids created = GoferSupport.pids(env, "d1");
    assertThat(GoferSupport.fileServerState(env, "d1")).isEqualTo("running");
    burrow.run("delete", "d1").ok();
    GoferSupport.assertNothingLeft(env, "d1", created);

    burrow.run("create", "--bundle", b.dir().toString(), "d2").ok();
    burrow.run("start", "d2").ok();
    GoferSupport.Pids running = GoferSupport.pids(env, "d2");
    env.awaitStatus("d2", "running");
    burrow.run("delete", "--force", "d2").ok();
    GoferSupport.assertNothingLeft(env, "d2", running);
    assertThat(GoferSupport.hostMountTraces(env)).isEmpty();
  }
}
