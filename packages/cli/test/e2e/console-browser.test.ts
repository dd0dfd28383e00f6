/// <reference lib="dom" />
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { PassThrough } from 'node:stream'
import { echo } from '@gslb/dicom'
import { type Browser, launchChromium, type Page, shows } from '../../../console/test/support/browser.js'
import { type Demo, startDemo } from '../../src/commands/demo.js'

// The console served by a running node (the demo: two sites on loopback), in Debian's chromium: both sites shown,
// a member forced down from the page turns red and says so, and a modality's association is seen landing at the
// other site. UPDATE_SCREENSHOTS=1 writes the screenshots of docs/console.md.

const DOWN_COLOUR = 'rgb(164, 14, 38)'

let demo: Demo
let browser: Browser
let page: Page
let shots: string

beforeAll(async () => {
  const quiet = new PassThrough()
  quiet.resume()
  demo = await startDemo({ vipPort: 0, adminPort: 0 }, { stdout: quiet, stderr: quiet, env: {} })
  browser = await launchChromium()
  page = await browser.context.newPage()
  shots = mkdtempSync(join(tmpdir(), 'gslb-console-demo-'))
})

afterAll(async () => {
  await browser?.close()
  await demo?.close()
  rmSync(shots, { recursive: true, force: true })
})

async function screenshot(name: string): Promise<void> {
  const file = join(shots, name)
  await page.screenshot({ path: file })
  expect(statSync(file).size).toBeGreaterThan(10_000)
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    const docs = resolve(__dirname, '../../../../docs/console')
    mkdirSync(docs, { recursive: true })
    copyFileSync(file, join(docs, name))
  }
}

/** C-ECHOes through the modality's VIP (bounded) until one is reported landing at `site`. */
async function echoUntilLandsAt(site: string): Promise<void> {
  const row = page
    .locator(`#finished-associations tr[data-site="${site}"]`)
    .filter({ hasText: 'DICOM_DNS_PROXY' })
  for (let i = 0; i < 30; i++) {
    await echo({
      host: demo.vip.address,
      port: demo.vip.port,
      callingAE: 'CT_SCANNER_3',
      calledAE: 'ANY-SCP',
      timeoutMs: 2_000,
    })
    if ((await row.count()) > 0) return
    await new Promise((r) => setTimeout(r, 300))
  }
  throw new Error(`no association was shown landing at site ${site}`)
}

test('the demo node serves the console: two sites, a forced-down member, an association landing at the other site', async () => {
  const admin = demo.admin!
  await page.setViewportSize({ width: 1280, height: 800 })
  await page.goto(`http://127.0.0.1:${admin.port}/`, { waitUntil: 'load' })
  await page.locator('#sites .site[data-site="B"]').waitFor()
  const timing = await page.evaluate(() => ({
    firstContentfulPaintMs: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
    sitesShownMs: Math.round(performance.now()),
    transferredBytes: performance
      .getEntriesByType('resource')
      .reduce((sum, r) => sum + (r as PerformanceResourceTiming).encodedBodySize, 0),
  }))
  expect(timing.firstContentfulPaintMs).not.toBeNull()
  console.log(`console on the demo node: ${JSON.stringify(timing)}`)
  await expect(page.locator('#sites .site h3').allTextContents()).resolves.toEqual([
    'Site Athis node',
    'Site B',
  ])
  await page.locator('#pools tr[data-target="dicom/siteB"] .state[data-state="up"]').waitFor()
  await page.locator('#pools tr[data-target="dicom/siteA"] .state[data-state="up"]').waitFor()

  await echoUntilLandsAt('A')

  await page.getByRole('button', { name: 'Force down dicom/siteA' }).click()
  await page.getByRole('dialog').getByRole('button', { name: 'Force down' }).click()
  const badge = page.locator('#pools tr[data-target="dicom/siteA"] .state')
  await page.locator('#pools tr[data-target="dicom/siteA"] .state[data-state="down"]').waitFor()
  await shows(badge, 'down')
  await expect(badge.evaluate((el) => getComputedStyle(el).color)).resolves.toBe(DOWN_COLOUR)

  await echoUntilLandsAt('B')
  await shows(page.locator('#timeline-table'), 'force-down applied')
  await page.locator('#associations').scrollIntoViewIfNeeded()
  await page.evaluate(() => window.scrollTo(0, 0))
  await screenshot('console-1280x800.png')
  await page.locator('#associations').scrollIntoViewIfNeeded()
  await screenshot('console-associations-1280x800.png')
  await page.setViewportSize({ width: 390, height: 844 })
  await page.evaluate(() => window.scrollTo(0, 0))
  await expect(
    page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
  ).resolves.toBeLessThanOrEqual(0)
  await screenshot('console-phone.png')

  await page.setViewportSize({ width: 1280, height: 800 })
  await page.getByRole('button', { name: 'Clear dicom/siteA' }).click()
  await page.getByRole('dialog').getByRole('button', { name: 'Clear' }).click()
  await page
    .locator('#pools tr[data-target="dicom/siteA"] .state[data-state="up"]')
    .waitFor({ timeout: 15_000 })
})
