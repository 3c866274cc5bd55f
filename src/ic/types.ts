// The shapes the plugin host hands to the caller are the plugin module's; re-exported for src/ic/.
export type { CallOutcome, MetadataOutcome, MetadataRequest, PluginCallRequest } from '../plugin/index.js'
