import { execFileSync } from 'node:child_process'

/**
 * Returns the absolute path of an outside peer binary, or throws naming the Debian package to install.
 * e2e tests call this in beforeAll: a missing peer fails the run loudly; it is never skipped.
 */
export function requirePeer(binary: string, debianPackage: string): string {
  const candidates = [binary, `/usr/sbin/${binary}`, `/usr/bin/${binary}`, `/sbin/${binary}`]
  for (const candidate of candidates) {
    try {
      const found = execFileSync('sh', ['-c', `command -v "${candidate}"`], { encoding: 'utf8' }).trim()
      if (found) return found
    } catch {
      // not this candidate
    }
  }
  throw new Error(
    `peer '${binary}' is not installed: install the Debian package '${debianPackage}' (apt-get install -y ${debianPackage}); ` +
      'the e2e tier needs it and does not skip',
  )
}
