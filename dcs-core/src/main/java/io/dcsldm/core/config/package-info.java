/**
 * Typed configs loaded from YAML: {@link io.dcsldm.core.config.ConfigLoader} binds a YAML file plus
 * {@code key=value} overrides to plain config classes (public fields with defaults), checks
 * {@link io.dcsldm.core.config.Range} bounds and {@link io.dcsldm.core.config.SelfValidating} rules, writes
 * resolved configs back as YAML, and fingerprints config sections so a checkpoint can refuse a model
 * config it was not made with. Every problem is a one-line {@link io.dcsldm.core.config.ConfigException}
 * naming the file and the dotted key.
 */
package io.dcsldm.core.config;
