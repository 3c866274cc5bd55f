// The sandbox's own limits: what the plugin host enforces and names in its messages. The option table
// (src/options/table.ts) builds the inputs and flags that set them on these, never the other way.

/** icp-cli's variable for the compute limit; the host's compute-limit error tells the user to raise it. */
export const COMPUTE_LIMIT_ENV = 'ICP_CLI_PLUGIN_COMPUTE_LIMIT_SECS'
export const DEFAULT_COMPUTE_LIMIT_SECONDS = 60

/**
 * Memory budget of one plugin run, in MiB. 4096 MiB is all a 32-bit wasm memory can address; below
 * 16 MiB not even a small plugin starts (a componentize-js plugin needs ~40 MiB).
 */
export const MEMORY_LIMIT_MB = { min: 16, max: 4096, default: 2048 } as const
