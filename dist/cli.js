#!/usr/bin/env node
import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  cacheDirFromArgv
} from "./chunk-RXLUZVGT.js";
import {
  makeDir
} from "./chunk-E4ELRYV2.js";
import "./chunk-NV5WPINZ.js";

// src/cli.ts
import * as nodeModule from "node:module";
import { join } from "node:path";
var { enableCompileCache } = nodeModule;
var codeCache = join(cacheDirFromArgv(process.argv.slice(2)), "v8");
if (enableCompileCache && makeDir(codeCache)) {
  try {
    enableCompileCache(codeCache);
  } catch {
  }
}
await import("./chunk-MVY3QECT.js");
