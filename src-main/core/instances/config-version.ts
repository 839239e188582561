// Which version of limaConfigSchema (config.ts) a recorded parse of lima.yaml came from. A Corral
// whose schema reads the same text differently (a new field kept, a value reshaped) must not
// trust a config parsed by another one: config-facts.ts keeps this number beside the config and
// parses the YAML again when it differs. Its own module, so the quick list loads no schema.

/**
 * Bump whenever limaConfigSchema changes what a parse returns. config.test.ts fails, naming the
 * new fingerprint, when the schema's shape changed and this number did not.
 */
export const limaConfigSchemaVersion = 1;
