/**
 * The {@code burrow} executable: picocli commands that parse runc's flags and call runtime-core,
 * plus the hidden internal commands ({@code gofer}, {@code boot}) the runtime starts itself. The
 * build assembles {@code cli/target/burrow}, its {@code lib/} class path and the CDS archive.
 */
package io.burrow.cli;
