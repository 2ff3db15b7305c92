/**
 * Plain Java, no Guice, no native code: the OCI spec model ({@code spec}), {@code Config}
 * ({@code config}), the state model ({@code state}), the init plan ({@code launch}) and the SPIs
 * plugins implement ({@code spi}). Every other module depends on this one.
 */
package io.burrow.api;
