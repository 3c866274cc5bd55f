// Template: a sync plugin for icp:sync-plugin@0.1.0 (icp-cli 1.x, and this Action).
// Build: node scripts/build-plugin.mjs examples/plugin-template/src/v1.ts --world v1 --out plugin.wasm
//
// It uploads every file under the step's `dirs` and every `files` entry to the canister with
// `put : (text, text) -> ()`, then reads one back with `get : (text) -> (opt text) query` (the local
// replica's demo canister has both). Replace the calls with your canister's interface.
import type { SyncExecInput } from 'icp:sync-plugin/types@0.1.0'

import { decode, encode, opt, text } from '../lib/candid.js'
import { entryPoint } from '../lib/errors.js'
import { text as fileText, walkFiles } from '../lib/fs.js'
import { canisterCall } from '../lib/v1.js'

function run(input: SyncExecInput): void {
  // stdout: progress, shown while the step runs.
  console.log(`syncing ${input.canisterId} (${input.environment}) as ${input.identityPrincipal}`)
  const items: [string, string][] = []
  for (const dir of input.dirs) for (const file of walkFiles(dir)) items.push([file.path, fileText(file)])
  for (const file of input.files) items.push([file.name, file.content])

  for (const [key, value] of items) {
    console.log(`put ${key}`)
    // direct: true — the identity itself makes the call, even when a proxy is configured.
    canisterCall('put', encode([text, text], [key, value]), { direct: true })
  }
  if (items.length > 0) {
    const [key, value] = items[0]!
    const [stored] = decode([opt(text)], canisterCall('get', encode([text], [key]), { query: true }))
    if (stored !== value)
      throw `read back ${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(stored)}`
  }
  // stderr: kept and printed after the step succeeds.
  console.error(`uploaded ${items.length} item(s) to ${input.canisterId}`)
}

// The component's export. entryPoint turns anything thrown into a string (see lib/errors.ts).
export const exec = entryPoint(run)
