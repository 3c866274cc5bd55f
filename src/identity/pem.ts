// PEM text as people store it in a CI secret: what `icp identity export` prints, or that text
// base64-encoded (some secret stores want one line), with CRLF line ends, indented, surrounded by
// blanks, or with its newlines written as the two characters `\n`.

import { IdentityError } from './errors.js'

export interface PemBlock {
  label: string
  der: Uint8Array
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** The PEM text the secret holds, after undoing the transport forms above (not yet parsed). */
export function unwrapPemText(raw: string): string {
  let text = raw.trim()
  if (!text.includes('-----BEGIN')) {
    const compact = text.replace(/\s+/g, '')
    if (compact.length > 0 && BASE64.test(compact)) {
      const decoded = Buffer.from(compact, 'base64').toString('utf8')
      if (decoded.includes('-----BEGIN')) text = decoded.trim()
    }
  }
  // A PEM pasted from JSON or a YAML string: literal backslash-n instead of line breaks.
  if (!/[\r\n]/.test(text) && text.includes('\\n')) text = text.replace(/\\r\\n|\\n/g, '\n')
  return text.replace(/\r\n?/g, '\n')
}

/** Every armoured block, in order. The body may be wrapped, indented or on one line. */
export function parsePemBlocks(text: string, source: string): PemBlock[] {
  const blocks: PemBlock[] = []
  for (const match of text.matchAll(BLOCK)) {
    const [, begin, body, end] = match as unknown as [string, string, string, string]
    if (begin !== end)
      throw new IdentityError('bad-pem', `corrupted PEM in ${source}: BEGIN ${begin} ends with END ${end}`)
    if (/^\s*[A-Za-z-]+:/m.test(body)) {
      // RFC 1421 headers (Proc-Type: 4,ENCRYPTED / DEK-Info) = OpenSSL's legacy encryption, which icp rejects.
      throw new IdentityError(
        'bad-pem',
        `the ${begin} block in ${source} uses legacy OpenSSL encryption (Proc-Type/DEK-Info headers), which is ` +
          `not supported; convert it with \`openssl pkcs8 -topk8\` or export it again with \`icp identity export\``,
      )
    }
    const compact = body.replace(/\s+/g, '')
    if (!BASE64.test(compact))
      throw new IdentityError('bad-pem', `corrupted PEM in ${source}: the ${begin} block is not base64`)
    const der = new Uint8Array(Buffer.from(compact, 'base64'))
    if (der.length === 0) throw new IdentityError('empty', `the ${begin} block in ${source} is empty`)
    blocks.push({ label: begin, der })
  }
  return blocks
}
