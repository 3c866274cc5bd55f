// The project model's one door: load icp.yaml, then plan a sync.

export { ManifestError } from './errors.js'
export { loadProject, globDirs, isValidName, type LoadOptions } from './load.js'
export { planSync, shardOf, networkTarget, sortedCanisterIds } from './plan.js'
export { idsFile, readIdsFile, parseIdsInput } from './ids.js'
export { rootKeyProblem } from './manifest.js'
export {
  defaultFetch,
  defaultRecipeCacheDir,
  recipeFetch,
  registryUrl,
  renderTemplate,
  type FetchBytes,
} from './recipe.js'
export { parseYaml, MAX_MANIFEST_BYTES } from './yaml.js'
export type * from './types.js'
