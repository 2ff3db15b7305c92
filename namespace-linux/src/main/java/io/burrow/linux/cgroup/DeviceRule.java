package io.burrow.linux.cgroup;

/**
 * One checked {@code linux.resources.devices} entry: v1 writes it to devices.allow or devices.deny
 * ({@link #line()}), v2 compiles it into the device program ({@link DeviceFilter}). Type {@code a}
 * stands for every device and every access, whatever its numbers and access say, as the v1
 * kernel and runc read it. Immutable.
 *
 * @param allow whether the rule allows (devices.allow) or denies
 * @param type {@code 'a'}, {@code 'b'} or {@code 'c'}
 * @param major the major number, or {@link #ANY}
 * @param minor the minor number, or {@link #ANY}
 * @param access some of {@code r}, {@code w} and {@code m}, in the spec's order
 * @param field the spec field it comes from, for errors ({@code linux.resources.devices[2]})
 */
public record DeviceRule(boolean allow, char type, long major, long minor, String access, String field) {
  /** A wildcard major or minor: the spec's {@code -1} or an absent number. */
  public static final long ANY = -1;
  /** The largest major or minor: the kernel hands the program 32-bit numbers. */
  public static final long MAX_NUMBER = 0xFFFF_FFFFL;

  /** The rule in devices.allow/devices.deny syntax: {@code c 1:3 rwm}, {@code b 8:* r}. */
  public String line() {
    return type + " " + (major == ANY ? "*" : Long.toString(major)) + ":" + (minor == ANY ? "*" : Long.toString(minor))
        + " " + access;
  }

  /** Whether the rule covers {@code accessBit} (one of DeviceFilter's ACC_ bits); type a covers all. */
  boolean covers(int accessBit) {
    if (type == 'a') {
      return true;
    }
    char c = accessBit == DeviceFilter.ACC_MKNOD ? 'm' : accessBit == DeviceFilter.ACC_READ ? 'r' : 'w';
    return access.indexOf(c) >= 0;
  }
}
