// Child process for build-plugin.ts: one componentize() per process, so preview2-shim's global preopen
// workaround (jco-plugin-host.md §8) never touches the process that hosts plugins.
// Usage: node build-plugin-child.js <json {sourcePath, witPath, worldName, out}>
import { writeFile } from 'node:fs/promises'

import { componentize } from '@bytecodealliance/componentize-js'
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem'

interface ChildRequest {
  sourcePath: string
  witPath: string
  worldName: string
  out: string
}

const request = JSON.parse(process.argv[2] ?? '{}') as ChildRequest
// preview2-shim 0.26.1 has no default preopens; componentize-js reads the WIT through it.
;(_setPreopens as (preopens: Record<string, string>) => void)({ '/': '/' })
const { component } = await componentize({
  sourcePath: request.sourcePath,
  witPath: request.witPath,
  worldName: request.worldName,
  disableFeatures: ['http', 'fetch-event'],
})
await writeFile(request.out, component)
