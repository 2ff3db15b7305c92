/**
 * The runtime: the embedding API ({@code BurrowRuntime}, {@code ContainerHandle}), the
 * {@code Container} orchestrator ({@code Containers} creates and loads them), the {@code Sandbox}
 * process and pods, the container store under {@code --root} ({@code store}), bundles
 * ({@code bundle}), the planners that turn a spec into an init plan ({@code plan}), the
 * {@code PluginCatalog}, and the Guice {@code CoreModule} that {@code BurrowRuntime} builds.
 */
package io.burrow.core;
