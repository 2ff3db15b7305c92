/**
 * The file-access TCK: {@link io.burrow.tck.FileAccessTck}, the abstract JUnit 5 suite a
 * file-access plugin's test extends to prove the SPI contract with real containers.
 */
package io.burrow.tck;
