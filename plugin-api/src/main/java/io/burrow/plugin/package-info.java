/**
 * The plugin contract: {@link io.burrow.plugin.BurrowPlugin} (a kind, a name and a Guice module,
 * found by {@link java.util.ServiceLoader}) and {@link io.burrow.plugin.FileAccessPlugin} for the
 * common case. The SPI types the modules bind are runtime-api's; runtime-core loads and selects
 * the plugins.
 */
package io.burrow.plugin;
