// icp-cli 1.5.0 as the oracle for identities: import a PEM the way a CI user would
// (`icp identity import --from-pem … --storage plaintext`) and ask it for the principal.
// Every oracle gets its own HOME and ICP_HOME, so nothing touches the machine's identities.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ICP_BIN, isolatedIcpEnv } from './icp.js'

export interface IcpResult {
  ok: boolean
  stdout: string
  stderr: string
}

export class IcpOracle {
  readonly dir = mkdtempSync(join(tmpdir(), 'icp-oracle-'))
  private readonly env = isolatedIcpEnv(this.dir)
  private count = 0

  run(args: string[]): IcpResult {
    const result = spawnSync(ICP_BIN, args, { encoding: 'utf8', env: this.env })
    return { ok: result.status === 0, stdout: result.stdout.trim(), stderr: result.stderr.trim() }
  }

  file(name: string, content: string | Uint8Array): string {
    const path = join(this.dir, name)
    writeFileSync(path, content)
    return path
  }

  /** The principal icp derives for a PEM file's content, or icp's error text. */
  principalOf(pem: string, password?: string): { principal?: string; error?: string } {
    const name = `id${++this.count}`
    const args = [
      'identity',
      'import',
      name,
      '--from-pem',
      this.file(`${name}.pem`, pem),
      '--storage',
      'plaintext',
    ]
    // --decryption-password-from-file is read untrimmed, so the file holds exactly the password.
    if (password !== undefined)
      args.push('--decryption-password-from-file', this.file(`${name}.pw`, password))
    const imported = this.run(args)
    if (!imported.ok) return { error: imported.stderr }
    const principal = this.run(['identity', 'principal', '--identity', name])
    if (!principal.ok) return { error: principal.stderr }
    return { principal: principal.stdout }
  }

  /** A fresh icp-made identity (always secp256k1), exported as PEM; encrypted with `password` if given. */
  newIdentityPem(password?: string): string {
    const name = `new${++this.count}`
    const created = this.run(['identity', 'new', name, '--storage', 'plaintext', '-q'])
    if (!created.ok) throw new Error(created.stderr)
    return this.exportPem(name, password)
  }

  /** Imports a PEM, then exports it again: icp rewrites Ed25519 as PKCS#8 v2, and can encrypt. */
  reexport(pem: string, password?: string): string {
    const name = `re${++this.count}`
    const imported = this.run([
      'identity',
      'import',
      name,
      '--from-pem',
      this.file(`${name}.pem`, pem),
      '--storage',
      'plaintext',
    ])
    if (!imported.ok) throw new Error(imported.stderr)
    return this.exportPem(name, password)
  }

  private exportPem(name: string, password?: string): string {
    const args = ['identity', 'export', name]
    if (password !== undefined)
      args.push('--encrypt', '--encryption-password-file', this.file(`${name}.epw`, password))
    const exported = this.run(args)
    if (!exported.ok) throw new Error(exported.stderr)
    return exported.stdout + '\n'
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}
