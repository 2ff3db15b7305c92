package io.burrow.linux.sys;

import com.kenai.jffi.MemoryIO;
import com.kenai.jffi.PageManager;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A direct buffer over private anonymous pages of its own (mmap, through jffi's {@link
 * PageManager}: jnr-ffi's generated stub for a six-argument mmap passes it garbage), for the big per-thread buffers
 * of the processes that stay up with a container. {@link ByteBuffer#allocateDirect} zero-fills
 * its memory and so makes all of it resident at once; these pages cost nothing until they are
 * written, and {@link #discardFrom} gives back what a burst of large requests wrote. A FUSE reader
 * sized for 1 MiB writes thus holds a few pages while its container only stats and opens files.
 *
 * <p>Ownership: whoever maps it closes it once, after its last use of {@link #buffer()} (and of
 * every view of it); the memory is unmapped then, so a later access would crash the JVM. {@link
 * #close()} is idempotent. Not thread-safe: one thread at a time uses it.
 */
public final class PageBuffer implements AutoCloseable {
  private static final int MADV_DONTNEED = 4, ENOMEM = 12;
  private static final PageManager PAGES = PageManager.getInstance();
  private static final long PAGE = PAGES.pageSize();

  private final long address;
  private final int pages;
  private final long length;
  private final ByteBuffer buffer;
  private boolean closed;

  private PageBuffer(long address, int pages, int capacity) {
    this.address = address;
    this.pages = pages;
    this.length = pages * PAGE;
    this.buffer = MemoryIO.getInstance().newDirectByteBuffer(address, capacity).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Maps {@code capacity} bytes of fresh pages; the buffer is little-endian. */
  public static PageBuffer map(int capacity) throws Errno {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    int pages = (int) ((capacity + PAGE - 1) / PAGE);
    long a = PAGES.allocatePages(pages, PageManager.PROT_READ | PageManager.PROT_WRITE);
    if (a == 0 || a == -1) {
      throw new Errno(ENOMEM, "mmap of " + pages + " pages"); // jffi keeps no errno; anonymous mmap fails only so
    }
    return new PageBuffer(a, pages, capacity);
  }

  /** The buffer over the pages: the same object on every call. */
  public ByteBuffer buffer() {
    if (closed) {
      throw new IllegalStateException("page buffer is closed");
    }
    return buffer;
  }

  /**
   * Gives the pages from {@code offset} (rounded up to a page) to the end back to the kernel;
   * they read as zeros afterwards. Costs a system call whether or not they were resident, so
   * callers do it when they go idle after large requests, not after each one.
   */
  public void discardFrom(int offset) throws Errno {
    long from = (offset + PAGE - 1) / PAGE * PAGE;
    if (closed || from >= length) {
      return;
    }
    if (Sys.C.madvise(address + from, length - from, MADV_DONTNEED) != 0) {
      throw new Errno(Sys.errno(), "madvise of " + (length - from) + " bytes");
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      PAGES.freePages(address, pages);
    }
  }
}
