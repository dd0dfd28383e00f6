import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core'
import { requirePeer } from '../../../../test/support/peers.js'

export type { Page }

/** Debian's chromium, never a downloaded browser; flags keep it off the network and out of the user's profile. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface Browser {
  context: BrowserContext
  close(): Promise<void>
}

/** Launches chromium with a fresh profile folder, removed again by close(). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = requirePeer('chromium', 'chromium')
  const profile = mkdtempSync(join(tmpdir(), 'gslb-console-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 800 },
    timeout: 60_000,
  })
  return {
    context,
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/**
 * Waits (bounded) until `locator` shows `want` — the page updates after a click or an event, never synchronously —
 * and fails with the text it did show.
 */
export async function shows(locator: Locator, want: string | RegExp, timeoutMs = 5_000): Promise<void> {
  try {
    await locator.filter({ hasText: want }).first().waitFor({ timeout: timeoutMs })
  } catch {
    const shown =
      (await locator
        .first()
        .textContent({ timeout: 1_000 })
        .catch(() => null)) ?? '(nothing)'
    throw new Error(`expected ${locator} to show ${String(want)} within ${timeoutMs} ms; it shows: ${shown}`)
  }
}
