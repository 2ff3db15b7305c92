package io.burrow.cli.logging;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J binding of the burrow CLI: every logger writes through {@link LogSink}. A full
 * logging framework would cost start-up time on every CLI call for nothing burrow needs.
 */
public final class BurrowLoggerProvider implements SLF4JServiceProvider {
  private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();
  private final ILoggerFactory factory = name -> loggers.computeIfAbsent(name, SinkLogger::new);
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();

  @Override
  public ILoggerFactory getLoggerFactory() {
    return factory;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {}

  private static final class SinkLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    SinkLogger(String name) {
      this.name = name;
    }

    private static boolean on(LogSink.Level level) {
      return LogSink.enabled(level);
    }

    @Override
    public boolean isTraceEnabled() {
      return on(LogSink.Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
      return on(LogSink.Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
      return on(LogSink.Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
      return on(LogSink.Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
      return on(LogSink.Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
      LogSink.log(LogSink.Level.valueOf(level.name()), name, MessageFormatter.basicArrayFormat(pattern, args), t);
    }
  }
}
