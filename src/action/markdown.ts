// Text a plugin, a canister, a remote or a pull request chose, made inert for the job summary. GitHub
// renders the summary as GFM and allows some HTML, so such text only ever appears as
// - an inline code span (`inlineCode`): no emphasis, links, autolinks, images, HTML or entities inside,
//   delimited by a backtick run longer than any in the text, with line breaks made visible; or
// - a fenced code block (`codeBlock`) whose fence is longer than any backtick run in its lines.
// Table cells additionally escape `|`, which GFM splits on even inside code spans.

/**
 * Everything that ends a line somewhere: CommonMark (\n, \r), Unicode (NEL, LS, PS), and the vertical
 * whitespace some renderers break on (VT, FF).
 */
// eslint-disable-next-line no-control-regex -- control characters are what this matches
const LINE_BREAKS = /\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]/g
/** Other C0/C1 controls and the bidirectional overrides that can make text read differently than it is. */
// eslint-disable-next-line no-control-regex -- control characters are what this matches
const INVISIBLE = /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f\u202a-\u202e\u2066-\u2069]/g

/** One line of text: line breaks shown as ⏎, controls and bidi overrides as U+FFFD, cut to `max`. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(LINE_BREAKS, '⏎').replace(INVISIBLE, '\ufffd')
  return cut(flat, max)
}

/** `text` cut to `max` characters (not splitting a surrogate pair), saying how long it was. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text
  let end = max
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end--
  return `${text.slice(0, end)}… (${text.length} characters)`
}

function longestBacktickRun(text: string): number {
  let longest = 0
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length)
  return longest
}

/** `text` as literal inline code, on one line, at most `max` characters of it. */
export function inlineCode(text: string, max: number, options: { cell?: boolean } = {}): string {
  if (text === '') return ''
  const line = oneLine(text, max)
  const ticks = '`'.repeat(longestBacktickRun(line) + 1)
  // Text that starts or ends with a backtick or a space gets one space inside each delimiter, which the
  // renderer strips again: the text keeps its exact shape and cannot merge with the delimiter.
  const pad = /^[` ]|[` ]$/.test(line) ? ' ' : ''
  const span = `${ticks}${pad}${line}${pad}${ticks}`
  return options.cell ? span.replace(/\|/g, '\\|') : span
}

/** Lines as a fenced `text` block that nothing inside can close; each line cut to `maxLine`. */
export function codeBlock(lines: string[], maxLine: number): string {
  const body = lines
    .flatMap((line) => line.split(LINE_BREAKS))
    .map((line) => cut(line.replace(INVISIBLE, '\ufffd'), maxLine))
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(body.join('\n')) + 1))
  return [`${fence}text`, ...body, fence].join('\n') + '\n'
}
