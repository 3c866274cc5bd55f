#!/usr/bin/env node
import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  cacheDirFromArgv
} from "./chunk-RXLUZVGT.js";
import {
  useCodeCache
} from "./chunk-INTANEIW.js";
import "./chunk-E4ELRYV2.js";
import "./chunk-NV5WPINZ.js";

// src/cli/bin.ts
import { join } from "node:path";
useCodeCache(join(cacheDirFromArgv(process.argv.slice(2)), "v8"));
await import("./chunk-KLZYYYKV.js");
