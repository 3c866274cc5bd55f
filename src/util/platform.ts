// Which operating systems the Action and the CLI run on. Linux and macOS: the code is plain Node and
// the sandbox's path rules are POSIX ones. Windows is refused at both entries until its own rules
// (drive letters, `\` separators, junctions, case-insensitive names) are implemented and tested: a
// path check written for POSIX could let a plugin's declared path or a symlink planted in a pull
// request out of the project there.

/** Why this platform is refused, or undefined when it is supported. `edge` names what is refusing. */
export function unsupportedPlatform(platform: NodeJS.Platform, edge: 'action' | 'cli'): string | undefined {
  if (platform !== 'win32') return undefined
  const what =
    edge === 'action' ? 'icp-sync-action does not run on Windows runners' : 'icp-sync does not run on Windows'
  const instead =
    edge === 'action'
      ? "use a Linux or macOS runner (e.g. 'runs-on: ubuntu-latest')"
      : 'run it on Linux, macOS or in WSL'
  return (
    `${what} yet: the sandbox's path rules (drive letters, '\\' separators, junctions, case-insensitive ` +
    `names) are implemented and tested for Linux and macOS only; ${instead}`
  )
}
