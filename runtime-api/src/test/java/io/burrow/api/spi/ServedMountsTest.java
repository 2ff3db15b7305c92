package io.burrow.api.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.burrow.api.spec.Mount;
import io.burrow.api.spec.Spec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Proves the served-mounts rule both sides of a file server rely on: only bind mounts, in spec
 * order, the very same {@link Mount} objects (io file i always means the same mount).
 */
class ServedMountsTest {
  @Test
  void onlyBindMountsInSpecOrder() {
    Mount proc = new Mount("/proc", "proc", "proc", null);
    Mount data = new Mount("/data", "bind", "/srv/data", List.of("rbind"));
    Mount tmp = new Mount("/tmp", "tmpfs", "tmpfs", List.of("mode=1777"));
    Mount conf = new Mount("/etc/conf", "none", "conf", List.of("bind", "ro"));
    Mount hosts = new Mount("/etc/hosts", null, "/etc/hosts", List.of("rbind", "rprivate"));
    Spec spec = new Spec();
    spec.mounts = new ArrayList<>(List.of(proc, data, tmp, conf, hosts));

    List<Mount> served = ServedMounts.of(spec);

    assertThat(served).hasSize(3);
    assertThat(served.get(0)).isSameAs(data);
    assertThat(served.get(1)).isSameAs(conf);
    assertThat(served.get(2)).isSameAs(hosts);
  }

  @Test
  void noMountsServesNothing() {
    assertThat(ServedMounts.of(new Spec())).isEmpty();
    Spec spec = new Spec();
    spec.mounts = List.of(new Mount("/proc", "proc", "proc", null));
    assertThat(ServedMounts.of(spec)).isEmpty();
  }
}
