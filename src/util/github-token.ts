// The `github-token` (CLI: GITHUB_TOKEN) on plugin and recipe downloads: GitHub's rate limits are higher
// with it, and private release assets need it. A manifest is the pull request author's to write, so the
// token goes only where GitHub itself answers, decided afresh for every hop from that hop's URL:
// - https on the default port, host exactly github.com, api.github.com or objects.githubusercontent.com
//   (no subdomains, no trailing dot, no other port; `https://github.com.evil.example` is another host);
// - never on a hop a redirect led to objects.githubusercontent.com: that is GitHub's signed download
//   URL, which carries its own authorisation (storage hosts of that kind refuse a second one), and a
//   token there would only widen where it travels;
// - nowhere else, whatever redirected there.
// Release assets named by their API URL (`https://api.github.com/repos/o/r/releases/assets/N`) are asked
// for as `application/octet-stream`, which makes the API answer with the file (a redirect to it) instead
// of the asset's JSON description.
import type { HeadersFor } from './bounded-download.js'

const TOKEN_HOSTS = new Set(['github.com', 'api.github.com', 'objects.githubusercontent.com'])
const SIGNED_DOWNLOAD_HOST = 'objects.githubusercontent.com'
const RELEASE_ASSET_API = /^\/repos\/[^/]+\/[^/]+\/releases\/assets\/\d+$/

/** Whether a request to `url` may carry the token (`redirected`: a redirect led to this hop). */
export function mayCarryGithubToken(url: URL, redirected: boolean): boolean {
  if (url.protocol !== 'https:' || url.port !== '' || url.username !== '' || url.password !== '') return false
  if (!TOKEN_HOSTS.has(url.hostname)) return false
  return !(redirected && url.hostname === SIGNED_DOWNLOAD_HOST)
}

/** The headers for one download hop: the token where it may go, and the asset Accept header. */
export function githubHeaders(token: string | undefined): HeadersFor {
  // A token with spaces or control characters is not one GitHub issued; it is never put in a header.
  const value = token !== undefined && /^[\x21-\x7e]+$/.test(token) ? token : undefined
  return (url, redirected) => {
    const headers: Record<string, string> = {}
    if (
      url.protocol === 'https:' &&
      url.hostname === 'api.github.com' &&
      RELEASE_ASSET_API.test(url.pathname)
    )
      headers.accept = 'application/octet-stream'
    if (value && mayCarryGithubToken(url, redirected)) headers.authorization = `Bearer ${value}`
    return headers
  }
}
