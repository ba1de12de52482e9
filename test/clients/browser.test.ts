// Chromium, driven by Playwright, using the demo as a person would: click Download and View.
import { copyFile, mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Download, type Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { build, BUNDLED_FILES } from '../../examples/app.js'
import { findProgram, missingProgram, serve } from '../helpers/clients.js'

// Expressions given to page.evaluate() are strings: they run in the page, and this project has no DOM types.
const NON_ASCII = 'Résumé – 2026 ✓.pdf'
const OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url))
const SCREENSHOT = fileURLToPath(new URL('../../docs/screenshot.png', import.meta.url))

const candidates = ['/usr/bin/chromium', 'chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']
const executablePath = await findProgram(...(process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : candidates))

if (executablePath === undefined) {
  missingProgram(t, 'chromium', 'apt-get install chromium, or set CHROMIUM_PATH')
} else {
  const app = await build()
  const original = await readFile(new URL('unsafe.html', BUNDLED_FILES))
  // The control for the sandbox test: the same page without the plugin's CSP, where its script does run.
  app.get('/unsandboxed/unsafe.html', (_req, reply) => reply.type('text/html; charset=utf-8').send(original))
  const { origin, requests } = await serve(t, app)

  // Playwright gives every launch a fresh temporary profile (user-data-dir) and removes it on close.
  // --no-sandbox: CI runs as root in a container; --disable-dev-shm-usage: Docker's /dev/shm is 64 MiB.
  const browser: Browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'
    ]
  })
  t.teardown(() => browser.close())

  /** A fresh page that records any download it starts. */
  async function openPage (t: Test): Promise<{ page: Page, downloads: Download[] }> {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1024, height: 768 } })
    t.teardown(() => context.close())
    const page = await context.newPage()
    const downloads: Download[] = []
    page.on('download', (download) => downloads.push(download))
    await page.goto(`${origin}/`)
    return { page, downloads }
  }

  /** Clicks View for `name` on the index page and waits for what it shows to load. */
  async function view (page: Page, name: string): Promise<void> {
    await Promise.all([
      page.waitForURL(`${origin}/view/${encodeURIComponent(name)}`, { waitUntil: 'load' }),
      page.getByRole('link', { name: `View ${name}`, exact: true }).click()
    ])
  }

  t.test('the index lists every bundled file; screenshots', async (t) => {
    const { page } = await openPage(t)
    t.equal(await page.title(), 'fastify-downloads demo')
    for (const name of [NON_ASCII, 'chart.png', 'guide.pdf', 'notes.txt', 'unsafe.html']) {
      const href = encodeURIComponent(name)
      t.equal(await page.getByRole('link', { name: `Download ${name}`, exact: true }).getAttribute('href'), `/files/${href}`)
      t.equal(await page.getByRole('link', { name: `View ${name}`, exact: true }).getAttribute('href'), `/view/${href}`)
    }
    t.match(await page.locator('li', { hasText: 'chart.png' }).innerText(), /PNG image · \d+ B/)

    await mkdir(OUTPUT, { recursive: true })
    await page.screenshot({ path: path.join(OUTPUT, 'index.png'), fullPage: true })
    await page.setViewportSize({ width: 390, height: 844 })
    await page.screenshot({ path: path.join(OUTPUT, 'index-phone.png'), fullPage: true })
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')
    t.equal(overflow, 0, 'no sideways scrolling on a phone-sized screen')
    // docs/screenshot.png is committed for the README; refresh it on purpose, not on every run.
    if (process.env.UPDATE_SCREENSHOT === '1') {
      await mkdir(path.dirname(SCREENSHOT), { recursive: true })
      await copyFile(path.join(OUTPUT, 'index.png'), SCREENSHOT)
    }
  })

  t.test('Download saves the non-ASCII file under its exact name, byte for byte', async (t) => {
    const { page } = await openPage(t)
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: `Download ${NON_ASCII}`, exact: true }).click()
    ])
    t.equal(download.suggestedFilename(), NON_ASCII)
    const saved = path.join(t.testdir({}), download.suggestedFilename())
    await download.saveAs(saved)
    t.same(await readFile(saved), await readFile(new URL(NON_ASCII, BUNDLED_FILES)))
  })

  t.test('View shows a PDF inline, without a download', async (t) => {
    const { page, downloads } = await openPage(t)
    await view(page, 'guide.pdf')
    t.equal(await page.evaluate('document.contentType'), 'application/pdf', 'the PDF viewer shows it')
    t.equal(downloads.length, 0, 'no download started')
  })

  t.test('View shows an image inline, without a download', async (t) => {
    const { page, downloads } = await openPage(t)
    await view(page, 'chart.png')
    t.equal(await page.evaluate('document.contentType'), 'image/png')
    t.same(await page.evaluate('[document.images[0]?.naturalWidth, document.images[0]?.naturalHeight]'), [320, 200], 'decoded')
    t.equal(downloads.length, 0, 'no download started')
  })

  t.test('an HTML file viewed inline cannot run script', async (t) => {
    const { page, downloads } = await openPage(t)
    const beacons = (): string[] => requests.filter((r) => r.url.startsWith('/beacon')).map((r) => r.url)
    await view(page, 'unsafe.html')
    // A script that did run reports within milliseconds (see the control below); give it a second.
    await page.waitForTimeout(1000)
    t.equal(await page.title(), 'Sandboxed page', 'document.title unchanged')
    t.equal(await page.locator('#status').innerText(), 'Scripts did not run: the sandbox held.')
    t.same(beacons(), [], 'no beacon reached the server')
    t.equal(downloads.length, 0, 'no download started')

    // The control: the same bytes served without the sandbox do run, so the checks above can fail.
    await page.goto(`${origin}/unsandboxed/unsafe.html`)
    await page.waitForFunction("document.title === 'pwned'", undefined, { timeout: 10_000 })
    t.pass('the control page ran its script')
    for (let i = 0; i < 100 && !beacons().includes('/beacon?from=script'); i++) await page.waitForTimeout(50)
    t.ok(beacons().includes('/beacon?from=script'), 'and its beacon arrived')
  })
}
