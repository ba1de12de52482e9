// pluginSettings: plugin options validated once at registration, then frozen.
import { realpathSync, symlinkSync } from 'node:fs'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { errorCodes } from '../../lib/errors.js'
import { pluginSettings, resolveOptions, withCallOptions } from '../../lib/options.js'
import type { DownloadOptions, FastifyDownloadsOptions } from '../../lib/types.js'

const dir = t.testdir({ files: { 'a.txt': 'a' }, 'plain.txt': 'not a directory' })
const files = join(dir, 'files')
const realFiles = realpathSync(files)

/** Calls pluginSettings with options the types would refuse. */
const settingsOf = (options: unknown): ReturnType<typeof pluginSettings> => pluginSettings(options as FastifyDownloadsOptions)

t.test('root: accepted forms, all resolved to the real absolute directory', async (t) => {
  const link = join(dir, 'link')
  symlinkSync(files, link, 'dir')
  const cases: Array<[string, string | URL]> = [
    ['absolute path', files],
    ['absolute path with a trailing separator', files + '/'],
    ['file: URL object', pathToFileURL(files)],
    ['file: URL string', pathToFileURL(files).href],
    ['path relative to the working directory', relative(process.cwd(), files)],
    ['symlink to the directory', link]
  ]
  for (const [name, root] of cases) {
    t.equal(pluginSettings({ root }).root, realFiles, name)
  }
})

t.test('root: missing or unusable is FST_DOWNLOADS_INVALID_ROOT', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['no root', {}],
    ['root undefined', { root: undefined }],
    ['root null', { root: null }],
    ['empty root', { root: '' }],
    ['root a number', { root: 42 }],
    ['root an object', { root: { path: files } }],
    ['root that does not exist', { root: join(dir, 'missing') }],
    ['root a regular file', { root: join(dir, 'plain.txt') }],
    ['file: URL of a regular file', { root: pathToFileURL(join(dir, 'plain.txt')) }],
    ['file: URL that does not exist', { root: pathToFileURL(join(dir, 'missing')) }]
  ]
  for (const [name, options] of cases) {
    t.throws(() => settingsOf(options), { code: 'FST_DOWNLOADS_INVALID_ROOT', statusCode: 500 }, name)
  }
})

t.test('options that are not an object are FST_DOWNLOADS_INVALID_OPTION', async (t) => {
  for (const options of [undefined, null, 'root', 42]) {
    t.throws(() => settingsOf(options), { code: 'FST_DOWNLOADS_INVALID_OPTION' }, String(options))
  }
})

t.test('bad option values are FST_DOWNLOADS_INVALID_OPTION', async (t) => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['dotfiles maybe', { dotfiles: 'maybe' }],
    ['dotfiles true', { dotfiles: true }],
    ['dotfiles in capitals', { dotfiles: 'DENY' }],
    ['syncStat a string', { syncStat: 'no' }],
    ['cacheMaxFileSize negative', { cacheMaxFileSize: -1 }],
    ['cacheMaxBytes a fraction', { cacheMaxBytes: 1.5 }],
    ['cacheMaxEntries a string', { cacheMaxEntries: '10' }],
    ['maxAge a string', { maxAge: '1' }],
    ['maxAge negative', { maxAge: -1 }],
    ['maxAge a fraction', { maxAge: 0.5 }],
    ['maxAge NaN', { maxAge: Number.NaN }],
    ['maxAge Infinity', { maxAge: Number.POSITIVE_INFINITY }],
    ['immutable a string', { immutable: 'yes' }],
    ['cacheControl true', { cacheControl: true }],
    ['cacheControl with CRLF', { cacheControl: 'no-store\r\nX-Injected: 1' }],
    ['mediaType empty', { mediaType: '' }],
    ['mediaType with LF', { mediaType: 'text/plain\nX: 1' }],
    ['mediaType a number', { mediaType: 1 }],
    ['headers a string', { headers: 'x-a: 1' }],
    ['headers null', { headers: null }],
    ['etag empty', { etag: '' }],
    ['etag a number', { etag: 1 }],
    ['lastModified a string', { lastModified: 'yesterday' }],
    ['lastModified NaN', { lastModified: Number.NaN }],
    ['acceptRanges a string', { acceptRanges: 'bytes' }],
    ['cleanup a string', { cleanup: 'rm' }],
    ['cleanup an array with a non-function', { cleanup: [() => {}, 1] }],
    ['throttle without bytesPerSecond', { throttle: {} }],
    ['throttle bytesPerSecond 0', { throttle: { bytesPerSecond: 0 } }],
    ['throttle bytesPerSecond negative', { throttle: { bytesPerSecond: -5 } }],
    ['throttle bytesPerSecond a string', { throttle: { bytesPerSecond: '1000' } }],
    ['throttle bytesPerSecond Infinity', { throttle: { bytesPerSecond: Number.POSITIVE_INFINITY } }],
    ['throttle burst negative', { throttle: { bytesPerSecond: 1000, burst: -1 } }],
    ['throttle a number', { throttle: 1000 }],
    ['maxRanges 0', { maxRanges: 0 }],
    ['maxRanges a fraction', { maxRanges: 1.5 }],
    ['deleteAfter at registration', { deleteAfter: true }]
  ]
  for (const [name, extra] of cases) {
    t.throws(() => settingsOf({ root: files, ...extra }), { code: 'FST_DOWNLOADS_INVALID_OPTION', statusCode: 500 }, name)
    try {
      settingsOf({ root: files, ...extra })
    } catch (err) {
      t.ok(err instanceof errorCodes.FST_DOWNLOADS_INVALID_OPTION, `${name}: an FST_DOWNLOADS_INVALID_OPTION`)
      t.ok(err instanceof TypeError, `${name}: a TypeError`)
    }
  }
})

t.test('valid option values are accepted', async (t) => {
  const cases: Array<[string, Partial<FastifyDownloadsOptions>]> = [
    ['dotfiles ignore', { dotfiles: 'ignore' }],
    ['dotfiles deny', { dotfiles: 'deny' }],
    ['dotfiles allow', { dotfiles: 'allow' }],
    ['all numbers 0', { maxAge: 0, cacheMaxFileSize: 0, cacheMaxBytes: 0, cacheMaxEntries: 0 }],
    ['cacheControl false', { cacheControl: false }],
    ['etag false', { etag: false }],
    ['lastModified a Date', { lastModified: new Date() }],
    ['cleanup a function', { cleanup: () => {} }],
    ['cleanup functions', { cleanup: [() => {}, async () => {}] }],
    ['throttle with burst', { throttle: { bytesPerSecond: 1, burst: 0 } }],
    ['maxRanges 1', { maxRanges: 1 }]
  ]
  for (const [name, extra] of cases) t.doesNotThrow(() => pluginSettings({ root: files, ...extra }), name)
})

t.test('defaults', async (t) => {
  const settings = pluginSettings({ root: files })
  t.equal(settings.dotfiles, 'ignore', 'dotfiles are ignored (404) by default')
  t.equal(settings.syncStat, true)
  t.equal(settings.defaults.maxRanges, 100)
  t.equal(settings.defaults.acceptRanges, true)
  t.equal(settings.defaults.etag, true)
  t.equal(settings.defaults.lastModified, true)
  t.equal(settings.defaults.deleteAfter, false)
  t.strictSame(settings.defaults.cleanup, [])
  t.equal(settings.defaults.throttle, undefined)
  t.equal(settings.defaults.cacheControl, 'private, no-cache')
})

t.test('the result is frozen, through to the nested values', async (t) => {
  const cleanup = (): void => {}
  const throttle = { bytesPerSecond: 1000 }
  const settings = pluginSettings({ root: files, dotfiles: 'deny', cleanup: [cleanup], throttle, maxAge: 60 })
  t.ok(Object.isFrozen(settings), 'settings')
  t.ok(Object.isFrozen(settings.defaults), 'defaults')
  t.ok(Object.isFrozen(settings.rawDefaults), 'rawDefaults')
  t.ok(Object.isFrozen(settings.defaults.cleanup), 'cleanup list')
  t.ok(Object.isFrozen(settings.defaults.throttle), 'throttle')
  // ESM is strict: writing to a frozen object throws.
  t.throws(() => { (settings as { root: string }).root = '/' }, TypeError, 'root cannot be changed')
  t.throws(() => { (settings as { dotfiles: string }).dotfiles = 'allow' }, TypeError, 'dotfiles cannot be changed')
  t.throws(() => { (settings.defaults as { maxRanges: number }).maxRanges = 1 }, TypeError, 'defaults cannot be changed')
  t.equal(settings.root, realFiles)
  t.equal(settings.dotfiles, 'deny')

  // Changing what the caller passed does not reach the settings.
  throttle.bytesPerSecond = 1
  t.equal(settings.defaults.throttle?.bytesPerSecond, 1000, 'throttle was copied')
})


t.test('a call\'s options over the defaults: field for field what resolving the merged options gives', async (t) => {
  const fn = (): void => {}
  const registrations: Array<Partial<FastifyDownloadsOptions>> = [
    {},
    { maxAge: 60, immutable: true, etag: false, cleanup: fn, headers: { 'X-Tenant': 'a' }, throttle: { bytesPerSecond: 10 } },
    { cacheControl: 'no-store', lastModified: false, acceptRanges: false, maxRanges: 3, mediaType: 'text/csv' }
  ]
  const calls: DownloadOptions[] = [
    { size: 5 },
    { maxAge: 10 },
    { immutable: true },
    { cacheControl: false },
    { cacheControl: 'private' },
    { etag: 'v1' },
    { etag: true },
    { lastModified: new Date(Date.UTC(2024, 4, 6, 7, 8, 9, 500)) },
    { lastModified: 1000 },
    { acceptRanges: true, maxRanges: 1 },
    { cleanup: [fn, fn] },
    { deleteAfter: true },
    { throttle: { bytesPerSecond: 5, burst: 1 } },
    { headers: { 'Content-Length': '1', 'X-A': 'b' } },
    { mediaType: 'image/png' },
    { maxAge: undefined, mediaType: undefined },
    { root: '/elsewhere', size: 0 }
  ]
  for (const registration of registrations) {
    const settings = pluginSettings({ root: files, ...registration })
    for (const call of calls) {
      const name = `${JSON.stringify(registration)} + ${JSON.stringify(call)}`
      // Both give the same options, or both refuse them the same way (immutable with no maxAge anywhere).
      const outcome = (f: () => unknown): unknown => { try { return f() } catch (err) { return (err as { message: string }).message } }
      t.strictSame(outcome(() => withCallOptions(settings, call)), outcome(() => resolveOptions({ ...settings.rawDefaults, ...call })), name)
    }
  }
  const settings = pluginSettings({ root: files, maxAge: 60 })
  t.equal(withCallOptions(settings, { immutable: true }).cacheControl, 'private, max-age=60, immutable', 'a call completes the registration\'s Cache-Control')
  t.equal(withCallOptions(settings, { public: true }).cacheControl, 'public, max-age=60', 'public: true makes it public')
  t.throws(() => pluginSettings({ root: files, immutable: true }), { code: 'FST_DOWNLOADS_INVALID_OPTION', message: /immutable: needs maxAge/ }, 'immutable needs a max-age')
  t.equal(withCallOptions(settings, { size: 1 }).cacheControl, settings.defaults.cacheControl, 'untouched fields are the defaults\'')
  t.notOk(Object.isFrozen(withCallOptions(settings, {})), 'a per-call copy, not the frozen defaults')
})

t.test('per-call options are checked name by name, and only the names that are options', async (t) => {
  const { validateDownloadOptions } = await import('../../lib/options.js')
  t.throws(() => validateDownloadOptions({ size: -1 }), { code: 'FST_DOWNLOADS_INVALID_OPTION', message: /size/ })
  t.throws(() => validateDownloadOptions({ etag: '' }), { code: 'FST_DOWNLOADS_INVALID_OPTION', message: /etag/ })
  t.throws(() => validateDownloadOptions({ mediaType: 'text/plain\r\nx: y' }), { code: 'FST_DOWNLOADS_INVALID_OPTION', message: /mediaType/ })
  t.doesNotThrow(() => validateDownloadOptions({ size: undefined, notAnOption: 42 } as DownloadOptions), 'undefined values and unknown names pass')
  const inherited = { constructor: 1, toString: 2, hasOwnProperty: 3 } as unknown as DownloadOptions
  t.doesNotThrow(() => validateDownloadOptions(inherited), 'names found on Object.prototype are not options either')
  const settings = pluginSettings({ root: files, maxAge: 60 })
  t.strictSame(withCallOptions(settings, inherited), settings.defaults, 'and feed no field')
  const fromPrototype = Object.create({ size: 5, maxAge: 1 }) as DownloadOptions
  t.strictSame(withCallOptions(settings, fromPrototype), settings.defaults, 'an inherited option overrides no default')
})

t.test('the documented cache defaults are the ones the code applies', async (t) => {
  const { readFile } = await import('node:fs/promises')
  const types = await readFile(new URL('../../lib/types.ts', import.meta.url), 'utf8')
  const settings = pluginSettings({ root: files })
  const mib = (bytes: number): string => bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`
  t.match(types, `Largest file kept in memory, in bytes (default ${mib(settings.cache.limits.maxFileSize)}`)
  t.match(types, `Most bytes the cache may hold (default ${mib(settings.cache.limits.maxBytes)})`)
  t.match(types, `Most files the cache may hold (default ${settings.cache.limits.maxEntries})`)
})
