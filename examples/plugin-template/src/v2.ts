// Template: a sync plugin for icp:sync-plugin@0.2.0 (dir/file keys, `fields`, other canisters by name,
// metadata sections). Build: node scripts/build-plugin.mjs examples/plugin-template/src/v2.ts --world v2
//
// Manifest step this template expects (icp.yaml):
//   - type: plugin
//     path: plugin.wasm
//     files:                  # a map for 0.2: key → path; the host tells directories from files
//       content: seed-data    #   a directory: preopened read-only, arrives in input.dirs
//       settings: config.txt  #   a file: read by the host, arrives inline in input.files
//     fields: { prefix: demo }  # free-form strings
// It uploads every file with `put : (text, text) -> ()` under `<prefix>/<path>` and checks that the
// canister publishes a `candid:service` metadata section.
import type { SyncExecInput } from 'icp:sync-plugin/types@0.2.0'

import { encode, text } from '../lib/candid.js'
import { entryPoint } from '../lib/errors.js'
import { text as fileText, walkFiles } from '../lib/fs.js'
import { canisterCall, metadataSection } from '../lib/v2.js'

function run(input: SyncExecInput): void {
  const field = (name: string): string | undefined => input.fields.find((f) => f.name === name)?.value
  const prefix = field('prefix') ?? input.environment
  console.log(`syncing ${input.canisterId} (${input.environment}) at ${input.apiUrl}`)

  if (metadataSection('candid:service', { direct: true }) === undefined)
    throw `canister ${input.canisterId} publishes no candid:service metadata`

  let count = 0
  for (const dir of input.dirs) {
    for (const file of walkFiles(dir.path)) {
      canisterCall('put', encode([text, text], [`${prefix}/${file.path}`, fileText(file)]), { direct: true })
      count++
    }
  }
  for (const file of input.files) {
    canisterCall('put', encode([text, text], [`${prefix}/${file.key}`, file.content]), { direct: true })
    count++
  }
  console.error(`uploaded ${count} item(s) under ${prefix}/ to ${input.canisterId}`)
}

export const exec = entryPoint(run)
