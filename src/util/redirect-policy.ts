// Which redirects a download may follow. A URL in icp.yaml is the manifest author's choice; where it
// redirects to is the server's. So a redirect may not downgrade https to http, and may not lead into
// loopback, private or link-local address space (the runner's own services, a cloud metadata endpoint)
// unless the URL the manifest named was itself in that space (a test server, a mirror on the LAN).
import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'

const INTERNAL = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3], // multicast and reserved, broadcast
] as const)
  INTERNAL.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of [
  ['::', 127], // unspecified and loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  INTERNAL.addSubnet(net, prefix, 'ipv6')

/** True for an address in loopback, private, link-local, shared or reserved space. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 4) return INTERNAL.check(address, 'ipv4')
  if (family !== 6) return false
  // IPv4-mapped, written dotted (::ffff:127.0.0.1) or as URL parsing normalises it (::ffff:7f00:1).
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (dotted) return INTERNAL.check(dotted[1]!, 'ipv4')
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address)
  if (hex) {
    const [high, low] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)]
    return INTERNAL.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4')
  }
  return INTERNAL.check(address, 'ipv6')
}

/** Resolves a URL's host (unless it is an address) and says whether any of its addresses is internal. */
export async function isInternalHost(url: URL, resolve = lookup): Promise<boolean> {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (isIP(host)) return isInternalAddress(host)
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  try {
    const addresses = await resolve(host, { all: true, verbatim: true })
    return addresses.some(({ address }) => isInternalAddress(address))
  } catch {
    // A name that does not resolve cannot be fetched either; the request reports that.
    return false
  }
}

export class RedirectRefused extends Error {
  override name = 'RedirectRefused'
}

/**
 * Checks one redirect hop. `originInternal` is whether the URL the manifest named was internal.
 * (The name is resolved here and again when connecting; a server that controls its DNS could answer
 * differently the second time. The scheme rule and address literals are checked exactly.)
 */
export async function checkRedirect(from: URL, to: URL, originInternal: boolean): Promise<void> {
  if (to.protocol !== 'http:' && to.protocol !== 'https:')
    throw new RedirectRefused(`redirect to '${to.protocol}' refused (only http and https)`)
  if (from.protocol === 'https:' && to.protocol !== 'https:')
    throw new RedirectRefused(`redirect from https to ${to.protocol.slice(0, -1)} refused (${to.origin})`)
  if (!originInternal && (await isInternalHost(to)))
    throw new RedirectRefused(
      `redirect to ${to.origin} refused: a loopback, private or link-local address, and the manifest's URL was not`,
    )
}
