import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { type Browser, launchChromium, shows } from '../support/browser.js'
import {
  association,
  FAKE_TOKEN,
  type FakeAdmin,
  openAssociation,
  startFakeAdmin,
} from '../support/fake-admin.js'

// The console in Debian's chromium against a stand-in admin API that serves the package's real built files.
// The screenshots in docs/console/ come from the real node (packages/cli/test/e2e/console-browser.test.ts).

const DOWN_COLOUR = 'rgb(164, 14, 38)'
const UP_COLOUR = 'rgb(17, 99, 41)'

let browser: Browser
let admin: FakeAdmin
let page: Page
let shots: string

beforeAll(async () => {
  browser = await launchChromium()
  shots = mkdtempSync(join(tmpdir(), 'gslb-console-shots-'))
})

afterAll(async () => {
  await browser?.close()
  rmSync(shots, { recursive: true, force: true })
})

beforeEach(async () => {
  admin = await startFakeAdmin()
  page = await browser.context.newPage()
  await page.setViewportSize({ width: 1280, height: 800 })
})

afterEach(async () => {
  await page.close()
  await admin.close()
})

const memberBadge = (page: Page, id: string) => page.locator(`#pools tr[data-target="${id}"] .state`)

async function open(page: Page): Promise<void> {
  await page.goto(admin.url, { waitUntil: 'load' })
  await page.locator('#sites .site').first().waitFor()
}

async function screenshot(page: Page, name: string): Promise<void> {
  const file = join(shots, name)
  await page.screenshot({ path: file, fullPage: false })
  expect(statSync(file).size).toBeGreaterThan(10_000)
}

test('the page loads from the admin listener and shows both sites, up, in words', async () => {
  const failed: string[] = []
  page.on('requestfailed', (request) => failed.push(request.url()))
  const outside: string[] = []
  page.on('request', (request) => {
    if (!request.url().startsWith(admin.url) && !request.url().startsWith('data:'))
      outside.push(request.url())
  })
  await open(page)
  await expect(page.locator('#sites .site h3').allTextContents()).resolves.toEqual([
    'Site Athis node',
    'Site B',
  ])
  await shows(page.locator('#sites .site[data-site="B"] .state').first(), 'up')
  await expect(page.title()).resolves.toBe('demo — gslb-lb console')
  const paint = await page.evaluate(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming
    return {
      firstContentfulPaintMs: fcp?.startTime ?? null,
      domContentLoadedMs: nav.domContentLoadedEventEnd,
    }
  })
  expect(paint.firstContentfulPaintMs).not.toBeNull()
  console.log(`console first paint (fake admin, loopback): ${JSON.stringify(paint)}`)
  expect(outside).toEqual([])
  expect(failed).toEqual([])
})

test('a forced-down member changes its state word and colour; the timeline records it', async () => {
  await open(page)
  await page.evaluate((token) => sessionStorage.setItem('gslb-console-token', token), FAKE_TOKEN)
  await page.reload()
  await page.locator('#sites .site').first().waitFor()
  const badge = memberBadge(page, 'dicom/siteA')
  await shows(badge, 'up')
  await expect(badge.evaluate((el) => getComputedStyle(el).color)).resolves.toBe(UP_COLOUR)

  await page.getByRole('button', { name: 'Force down dicom/siteA' }).click()
  const dialog = page.getByRole('dialog')
  await shows(dialog, 'Modalities move to the next site')
  await dialog.getByRole('button', { name: 'Force down' }).click()

  await page.locator('#pools tr[data-target="dicom/siteA"] .state[data-state="down"]').waitFor()
  await shows(badge, 'down')
  await expect(badge.evaluate((el) => getComputedStyle(el).color)).resolves.toBe(DOWN_COLOUR)
  await shows(page.locator('#notice'), 'state now down')
  await shows(page.locator('#sites .site[data-site="A"] .state').first(), 'down')
  expect(admin.writes).toEqual(['/members/dicom/siteA/force-down'])
  await page.locator('#timeline-table tr[data-kind="override"]').waitFor()
  await shows(page.locator('#timeline-table'), 'force-down applied; now down')
})

test('a write without the token is refused and the page says how to give one', async () => {
  await open(page)
  await page.getByRole('button', { name: 'Drain dicom/siteB' }).click()
  await page.getByRole('dialog').getByRole('button', { name: 'Drain' }).click()
  await shows(page.locator('#notice .notice-error'), /Refused: .*HTTP 401.*token/)
  expect(admin.writes).toEqual([])
  await shows(memberBadge(page, 'dicom/siteB'), 'up')
})

test('keyboard only: skip link, token, an action with its confirmation, Escape cancels', async () => {
  await open(page)
  await page.keyboard.press('Tab')
  await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe(
    "Skip to the node's state",
  )

  const tabTo = async (match: (el: { id: string; label: string | null }) => boolean, what: string) => {
    for (let i = 0; i < 200; i++) {
      await page.keyboard.press('Tab')
      const focused = await page.evaluate(() => ({
        id: document.activeElement?.id ?? '',
        label: document.activeElement?.getAttribute('aria-label') ?? null,
      }))
      if (match(focused)) return
    }
    throw new Error(`${what} was not reached with Tab`)
  }
  await tabTo((el) => el.id === 'token-input', 'the token field')
  await page.keyboard.type(FAKE_TOKEN)
  await page.keyboard.press('Enter')
  await shows(page.locator('#token-state'), /^writes: token set$/)

  await tabTo((el) => el.label === 'Force up dicom/siteB', 'the Force up button of siteB')
  await page.keyboard.press('Enter')
  await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('confirm-cancel')
  await page.keyboard.press('Escape')
  await shows(page.locator('#notice'), 'cancelled, nothing changed')
  expect(admin.writes).toEqual([])

  await expect(page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).resolves.toBe(
    'Force up dicom/siteB',
  )
  await page.keyboard.press('Enter')
  await page.keyboard.press('Tab')
  await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('confirm-ok')
  await page.keyboard.press('Enter')
  await page.locator('#notice .notice-ok').waitFor()
  expect(admin.writes).toEqual(['/members/dicom/siteB/force-up'])
})

test('live associations: an association landing at the other site shows up as it happens', async () => {
  await open(page)
  for (let i = 0; i < 200 && admin.streams() === 0; i++) await new Promise((r) => setTimeout(r, 25))
  expect(admin.streams()).toBe(1)
  admin.emit({
    type: 'associations',
    data: { at: Date.now(), active: [openAssociation({ id: 7, site: 'A', server: '127.0.0.11:104' })] },
  })
  await page.locator('#active-associations tr[data-association="7"]').waitFor()
  await shows(page.locator('#active-associations'), 'site A')
  admin.emit({ type: 'association', data: association({ id: 8, site: 'B' }) })
  const row = page.locator('#finished-associations tr[data-association="8"]')
  await row.waitFor()
  await shows(row, 'CT_SCANNER_3 → PACS')
  await expect(row.getAttribute('data-site')).resolves.toBe('B')
  await shows(row, 'site B')
})

test('timeline: filter by kind and export as JSON', async () => {
  admin.addTimeline({
    kind: 'health',
    subject: 'dicom/siteA',
    message: 'up → down: C-ECHO timed out after 2000 ms',
  })
  admin.addTimeline({ kind: 'reload', subject: 'config', message: 'applied: engine updated' })
  await open(page)
  await page.locator('#timeline-table tr[data-kind="reload"]').waitFor()
  await page.selectOption('#timeline-kind', 'health')
  await expect(page.locator('#timeline-table tbody tr').count()).resolves.toBe(1)
  const download = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Export JSON' }).click()
  const file = await (await download).path()
  const exported = JSON.parse(readFileSync(file, 'utf8')) as { kind: string; message: string }[]
  expect(exported).toEqual([
    expect.objectContaining({ kind: 'health', message: expect.stringContaining('C-ECHO timed out') }),
  ])
})

test('explain: the form asks the node and shows the answer and why', async () => {
  await open(page)
  await page.fill('#explain-client', '10.1.20.7')
  await page.getByRole('button', { name: 'Explain', exact: true }).click()
  await page.locator('#explain-result .answer').waitFor()
  await shows(page.locator('#explain-result'), '127.0.0.11 (ttl 1), 127.0.0.12 (ttl 1)')
  await shows(page.locator('#explain-result'), "client in datacenter 'A'")
})

test('fleet: every node side by side, drift and an unreachable node said in words', async () => {
  await open(page)
  const table = page.locator('#fleet-table')
  await table.waitFor()
  await expect(page.locator('#fleet-table tbody tr').count()).resolves.toBe(3)
  await shows(page.locator('#fleet tr[data-node="a2"]'), 'drift: differs')
  await shows(page.locator('#fleet tr[data-node="b1"]'), 'unreachable')
  await shows(page.locator('#fleet tr[data-node="demo"]'), '10.1.0.50')
  await shows(page.locator('#fleet'), 'drift: a2')
})

test('usable at 1280×800 and on a phone: nothing wider than the screen; screenshots', async () => {
  admin.addTimeline({ kind: 'health', subject: 'dicom/siteB', message: 'down → up: C-ECHO ok in 3 ms' })
  await open(page)
  admin.emit({ type: 'association', data: association({ id: 9, site: 'B' }) })
  await page.locator('#finished-associations tr[data-association="9"]').waitFor()
  await screenshot(page, 'console-1280x800.png')
  await page.setViewportSize({ width: 390, height: 844 })
  await page.locator('#sites').scrollIntoViewIfNeeded()
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  expect(overflow).toBeLessThanOrEqual(0)
  await page.evaluate(() => window.scrollTo(0, 0))
  await screenshot(page, 'console-phone.png')
})
