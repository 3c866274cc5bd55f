// The seed-data example's sync plugin (icp:sync-plugin@0.1.0), in TypeScript with the authoring kit.
// Build: node scripts/build-plugin.mjs examples/seed-data/plugin/seed.ts --world v1 --out examples/seed-data/plugin/seed.wasm
//
// 1. set_uploader(<the identity's principal>) with `direct: false`: through the proxy canister when
//    one is configured (then the proxy, a controller, is the caller), else straight from the identity.
// 2. register(<guest path>, <trimmed content>) directly for every file under the step's `dirs`.
// 3. A line on stderr, which icp and the Action keep after the step succeeds.
import type { SyncExecInput } from 'icp:sync-plugin/types@0.1.0'

import { encode, principal, text } from '../../plugin-template/lib/candid.js'
import { entryPoint } from '../../plugin-template/lib/errors.js'
import { text as fileText, walkFiles } from '../../plugin-template/lib/fs.js'
import { canisterCall } from '../../plugin-template/lib/v1.js'

function run(input: SyncExecInput): void {
  const via = input.proxyCanisterId ? `via proxy ${input.proxyCanisterId}` : 'directly'
  console.log(`set_uploader(${input.identityPrincipal}) ${via}`)
  canisterCall('set_uploader', encode([principal], [input.identityPrincipal]), { direct: false })

  let count = 0
  for (const dir of input.dirs) {
    for (const file of walkFiles(dir)) {
      console.log(`register ${file.path}`)
      canisterCall('register', encode([text, text], [file.path, fileText(file).trim()]), { direct: true })
      count++
    }
  }
  console.error(
    `registered ${count} item(s) in canister ${input.canisterId} (environment: ${input.environment})`,
  )
}

export const exec = entryPoint(run)
