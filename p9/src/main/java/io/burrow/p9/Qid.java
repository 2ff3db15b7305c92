package io.burrow.p9;

/** A 9P qid: type[1] version[4] path[8]. Immutable. */
public record Qid(int type, int version, long path) {
  public static final int SIZE = 13;

  public boolean isDir() {
    return (type & P9.QTDIR) != 0;
  }
}
