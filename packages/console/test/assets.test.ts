import { CONSOLE_ASSET_PREFIX, consoleAssets } from '../src/index.js'

describe('consoleAssets', () => {
  test('the page, its script and its style sheet, with their headers', () => {
    const assets = consoleAssets()
    expect([...assets.files.keys()].sort()).toEqual([
      '/',
      `${CONSOLE_ASSET_PREFIX}console.css`,
      `${CONSOLE_ASSET_PREFIX}console.js`,
    ])
    const page = assets.get('/?x=1')!
    expect(page.contentType).toBe('text/html; charset=utf-8')
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.headers['content-length']).toBe(String(page.body.length))
    expect(page.etag).toMatch(/^"[\w-]{27}"$/)
    const html = page.body.toString('utf8')
    expect(html).toContain('src="console/console.js"')
    expect(html).toContain('href="console/console.css"')
  })

  test('everything is shipped: no file refers to another host', () => {
    for (const asset of consoleAssets().files.values()) {
      const text = asset.body.toString('utf8')
      // Any absolute URL (a CDN, a web font, an analytics beacon) would break the console offline.
      expect(text.match(/(?:src|href|url)\s*[=(]\s*["']?(?:https?:)?\/\/[^"')\s]+/gi)).toBeNull()
      expect(text).not.toMatch(/@import/)
    }
  })

  test('the page has no inline script or style (the CSP forbids them)', () => {
    const html = consoleAssets().get('/')!.body.toString('utf8')
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i)
    expect(html).not.toMatch(/<style|\sstyle=/i)
  })

  test('the files are read once', () => {
    expect(consoleAssets()).toBe(consoleAssets())
  })
})
