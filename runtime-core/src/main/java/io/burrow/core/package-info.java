/**
 * The runtime: the {@code Container} orchestrator ({@code Containers} creates and loads them),
 * the {@code Sandbox} process and pods, the container store under {@code --root} ({@code store}),
 * bundles ({@code bundle}), the planners that turn a spec into an init plan ({@code plan}), and
 * the Guice {@code CoreModule}.
 */
package io.burrow.core;
