import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);

// src/util/make-dir.ts
import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
var MAX_DEPTH = 64;
var codeOf = (error) => error?.code;
function ensureDir(dir) {
  const missing = [];
  for (let at = dir; ; at = dirname(at)) {
    let isDirectory;
    try {
      isDirectory = statSync(at).isDirectory();
    } catch (error) {
      if (codeOf(error) !== "ENOENT" || dirname(at) === at || missing.length >= MAX_DEPTH) throw error;
      missing.push(at);
      continue;
    }
    if (!isDirectory)
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), { code: "ENOTDIR" });
    break;
  }
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path);
    } catch (error) {
      if (codeOf(error) !== "EEXIST") throw error;
    }
  }
}
function makeDir(dir) {
  try {
    ensureDir(dir);
    return true;
  } catch {
    return false;
  }
}

export {
  ensureDir,
  makeDir
};
