// Reads a step's output the way the Actions runner does, to find what it would take as workflow
// commands: lines end at '\r', '\n' or "\r\n" (.NET ReadLine); `::cmd …::data` counts after leading
// whitespace (ActionCommand.TryParseV2), `##[cmd …]data` anywhere in a line (the legacy TryParse);
// `::stop-commands::<token>` switches both off until a line that is the command `<token>`.

const REGISTERED = [
  'error',
  'warning',
  'notice',
  'debug',
  'group',
  'endgroup',
  'add-mask',
  'add-path',
  'set-env',
  'set-output',
  'save-state',
  'add-matcher',
  'remove-matcher',
  'echo',
  'stop-commands',
]

export interface RunnerCommand {
  command: string
  properties: string
  data: string
}

function parse(line: string, registered: Set<string>): RunnerCommand | undefined {
  const trimmed = line.trimStart()
  if (trimmed.startsWith('::')) {
    const end = trimmed.indexOf('::', 2)
    if (end >= 0) {
      const info = trimmed.slice(2, end)
      const space = info.indexOf(' ')
      const command = (space < 0 ? info : info.slice(0, space)).toLowerCase()
      if (registered.has(command))
        return { command, properties: space < 0 ? '' : info.slice(space + 1), data: trimmed.slice(end + 2) }
    }
  }
  const start = line.indexOf('##[')
  if (start >= 0) {
    const end = line.indexOf(']', start)
    if (end >= 0) {
      const info = line.slice(start + 3, end)
      const space = info.indexOf(' ')
      const command = (space < 0 ? info : info.slice(0, space)).toLowerCase()
      if (registered.has(command))
        return { command, properties: space < 0 ? '' : info.slice(space + 1), data: line.slice(end + 1) }
    }
  }
  return undefined
}

/** The commands the runner would act on in one stream, and whether commands were still off at its end. */
export function runnerCommands(output: string): { commands: RunnerCommand[]; stoppedAtEnd: boolean } {
  const registered = new Set(REGISTERED)
  const commands: RunnerCommand[] = []
  let token: string | undefined
  for (const line of output.split(/\r\n|\r|\n/)) {
    const command = parse(line, registered)
    if (!command) continue
    if (token !== undefined) {
      if (command.command === token) {
        registered.delete(token)
        token = undefined
      }
      continue
    }
    if (command.command === 'stop-commands' && command.data !== '') {
      token = command.data.toLowerCase()
      registered.add(token)
      continue
    }
    commands.push(command)
  }
  return { commands, stoppedAtEnd: token !== undefined }
}
