#!/usr/bin/env node
import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  cacheDirFromArgv
} from "./chunk-RXLUZVGT.js";
import "./chunk-NV5WPINZ.js";

// src/cli.ts
import * as nodeModule from "node:module";
import { join } from "node:path";
var { enableCompileCache } = nodeModule;
try {
  enableCompileCache?.(join(cacheDirFromArgv(process.argv.slice(2)), "v8"));
} catch {
}
await import("./chunk-QJU7OWAA.js");
