// Terminal escape sequences and control characters in text we did not write (plugin output).
// Escape sequences of every family a terminal acts on (ECMA-48): CSI (ESC [ or 0x9B, up to a final
// byte), OSC/DCS/SOS/PM/APC strings (ESC ] P X ^ _ or their C1 forms, up to BEL or ST, or to the end
// when unterminated), other ESC sequences (intermediates then a final byte), and a lone ESC.
const ESCAPES =
  // eslint-disable-next-line no-control-regex
  /(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[\x20-\x2f]*[\x30-\x7e]?/g
// C0 controls but tab, DEL and C1 controls: a bare CR, backspace or bell rewrites what is shown.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g

/** Removes every escape sequence; the text between them is kept. */
export function stripEscapes(text: string): string {
  return text.replace(ESCAPES, '')
}

/** What may reach a terminal from plugin text: every escape sequence and control character removed. */
export function terminalSafe(text: string): string {
  return stripEscapes(text).replace(CONTROLS, '')
}
