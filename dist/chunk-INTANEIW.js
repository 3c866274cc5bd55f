import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  makeDir
} from "./chunk-E4ELRYV2.js";

// src/util/code-cache.ts
import * as nodeModule from "node:module";
var api = nodeModule;
function useCodeCache(dir) {
  if (!api.enableCompileCache || !makeDir(dir)) return false;
  try {
    api.enableCompileCache(dir);
    return true;
  } catch {
    return false;
  }
}
function flushCodeCache() {
  api.flushCompileCache?.();
}

export {
  useCodeCache,
  flushCodeCache
};
