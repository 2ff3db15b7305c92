/**
 * The 9P2000.L client: tag-multiplexed calls from any number of threads over one
 * {@link io.burrow.p9.Transport}, pipelined batches, and reads straight into a caller's buffer.
 */
package io.burrow.p9.client;
