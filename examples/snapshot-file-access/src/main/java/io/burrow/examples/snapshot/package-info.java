/**
 * An example third-party plugin: the {@code snapshot} file access, which gives each container a
 * private copy of its rootfs. It compiles against runtime-api and plugin-api only.
 */
package io.burrow.examples.snapshot;
