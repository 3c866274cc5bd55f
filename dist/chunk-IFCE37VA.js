import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);

// src/plugin/protocol.ts
var SHARED_BYTES = 24;
var STATE_INDEX = 0;
var DROPPED_INDEX = { stdout: 1, stderr: 2 };

export {
  SHARED_BYTES,
  STATE_INDEX,
  DROPPED_INDEX
};
