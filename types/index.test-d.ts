// Type tests of the public API, against the emitted dist/lib/index.d.ts (`npm run build` first).
// Nothing here runs: `tsc -p types/tsconfig.json` fails on a wrong type or on an unused @ts-expect-error.
import { Readable } from 'node:stream'
import { ReadableStream } from 'node:stream/web'
import Fastify, { type FastifyReply } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { Type as TypeV1, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import downloads from 'fastify-downloads'
import {
  errorCodes,
  fastifyDownloads,
  FileNameSchema,
  FilePathSchema,
  type ByteRange,
  type CleanupFunction,
  type DotfilesPolicy,
  type DownloadOptions,
  type DownloadOutcome,
  type DownloadSource,
  type FastifyDownloadsOptions,
  type FileName,
  type FilePath,
  type RangedBody,
  type RangedSource,
  type ThrottleOptions,
  trustedFile,
  TrustedFile
} from 'fastify-downloads'
import * as ns from 'fastify-downloads'
import type { FileCacheStats, OutcomeMessage } from 'fastify-downloads'
import { assert, expectExactType, expectType, type Equal } from './helpers.js'

// ---- Import forms: default, named and namespace are the same plugin.
assert<Equal<typeof downloads, typeof fastifyDownloads>>()
assert<Equal<typeof ns.default, typeof fastifyDownloads>>()
assert<Equal<typeof ns.fastifyDownloads, typeof fastifyDownloads>>()
assert<Equal<typeof ns.FileNameSchema, typeof FileNameSchema>>()

// ---- Schemas: strings for the type of a route param.
assert<Equal<Static<typeof FileNameSchema>, string>>()
assert<Equal<Static<typeof FilePathSchema>, string>>()
assert<Equal<FileName, string>>()
assert<Equal<FilePath, string>>()

// ---- Error codes: the public list, with FST_DOWNLOADS_* keys only.
assert<Equal<Extract<keyof typeof errorCodes, `FST_DOWNLOADS_${string}`>, keyof typeof errorCodes>>()
assert<Equal<keyof typeof errorCodes,
  | 'FST_DOWNLOADS_NOT_FOUND'
  | 'FST_DOWNLOADS_NAME_TOO_LONG'
  | 'FST_DOWNLOADS_PATH_FORBIDDEN'
  | 'FST_DOWNLOADS_DOTFILE_DENIED'
  | 'FST_DOWNLOADS_ACCESS_DENIED'
  | 'FST_DOWNLOADS_PRECONDITION_FAILED'
  | 'FST_DOWNLOADS_RANGE_NOT_SATISFIABLE'
  | 'FST_DOWNLOADS_SOURCE_FAILED'
  | 'FST_DOWNLOADS_LENGTH_MISMATCH'
  | 'FST_DOWNLOADS_FILE_CHANGED'
  | 'FST_DOWNLOADS_UNAVAILABLE'
  | 'FST_DOWNLOADS_STORE_UNREACHABLE'
  | 'FST_DOWNLOADS_STORE_TIMEOUT'
  | 'FST_DOWNLOADS_STORE_DENIED'
  | 'FST_DOWNLOADS_STORE_ERROR'
  | 'FST_DOWNLOADS_CLIENT_GONE'
  | 'FST_DOWNLOADS_INVALID_SOURCE'
  | 'FST_DOWNLOADS_INVALID_OPTION'
  | 'FST_DOWNLOADS_INVALID_ROOT'
  | 'FST_DOWNLOADS_DECORATOR_TAKEN'>>()
const notFound = new errorCodes.FST_DOWNLOADS_NOT_FOUND()
expectType<string>(notFound.code)
expectType<number | undefined>(notFound.statusCode)

// ---- Option types.
assert<Equal<DotfilesPolicy, 'ignore' | 'deny' | 'allow'>>()
assert<Equal<FastifyDownloadsOptions['root'], string | URL>>()
assert<Equal<DownloadOptions['root'], string | URL | undefined>>()
assert<Equal<DownloadOptions['maxAge'], number | undefined>>()
assert<Equal<DownloadOptions['etag'], boolean | string | undefined>>()
assert<Equal<DownloadOptions['lastModified'], boolean | Date | number | undefined>>()
assert<Equal<DownloadOptions['cacheControl'], string | false | undefined>>()
assert<Equal<DownloadOptions['cleanup'], CleanupFunction | CleanupFunction[] | undefined>>()
assert<Equal<DownloadOptions['throttle'], ThrottleOptions | undefined>>()
assert<Equal<ThrottleOptions['bytesPerSecond'], number>>()
assert<Equal<ThrottleOptions['burst'], number | undefined>>()
// Per-call only: a registration default would apply to every file.
assert<Equal<'deleteAfter' extends keyof FastifyDownloadsOptions ? true : false, false>>()
assert<Equal<'size' extends keyof FastifyDownloadsOptions ? true : false, false>>()

// ---- DownloadOutcome, as cleanup receives it.
assert<Equal<CleanupFunction, (outcome: DownloadOutcome) => void | Promise<void>>>()
const cleanup: CleanupFunction = (outcome) => {
  expectExactType<number>()(outcome.statusCode)
  expectExactType<number>()(outcome.bytesSent)
  expectExactType<boolean>()(outcome.aborted)
  expectExactType<number>()(outcome.durationMs)
  expectExactType<Error | undefined>()(outcome.error)
  expectExactType<ByteRange | undefined>()(outcome.range)
  expectExactType<ByteRange[] | undefined>()(outcome.ranges)
}
const asyncCleanup: CleanupFunction = async () => {}
assert<Equal<ByteRange, { start: number, end: number }>>()

// ---- Registration.
const app = Fastify()
app.register(downloads, { root: '/srv/files' })
app.register(fastifyDownloads, { root: new URL('file:///srv/files/') })
app.register(ns.default, { root: '/srv/files', prefix: '/files' })
const everything: FastifyDownloadsOptions = {
  root: '/srv/files',
  dotfiles: 'deny',
  syncStat: false,
  cacheMaxFileSize: 0,
  cacheMaxBytes: 1024,
  cacheMaxEntries: 10,
  mediaType: 'application/pdf',
  headers: { 'x-a': 'b', 'x-n': 1, 'x-l': ['c', 'd'] },
  maxAge: 60,
  immutable: true,
  cacheControl: false,
  etag: true,
  lastModified: new Date(),
  acceptRanges: true,
  cleanup: [cleanup, asyncCleanup],
  throttle: { bytesPerSecond: 1_000_000, burst: 65536 },
  maxRanges: 10
}
app.register(downloads, everything)

// @ts-expect-error options with a root are required
app.register(downloads)
// @ts-expect-error root is required
app.register(downloads, {})
// @ts-expect-error root is required
app.register(downloads, { dotfiles: 'deny' })
// @ts-expect-error root is a path or a URL
app.register(downloads, { root: 42 })
// @ts-expect-error dotfiles is 'ignore' | 'deny' | 'allow'
app.register(downloads, { root: '/srv', dotfiles: 'maybe' })
// @ts-expect-error maxAge is a number
app.register(downloads, { root: '/srv', maxAge: '1' })
// @ts-expect-error throttle needs bytesPerSecond
app.register(downloads, { root: '/srv', throttle: {} })
// @ts-expect-error throttle needs bytesPerSecond
app.register(downloads, { root: '/srv', throttle: { burst: 10 } })
// @ts-expect-error cleanup is a function or functions
app.register(downloads, { root: '/srv', cleanup: 'rm -rf' })
// @ts-expect-error cleanup is a function or functions
app.register(downloads, { root: '/srv', cleanup: [cleanup, 'x'] })
// @ts-expect-error deleteAfter is per call only
app.register(downloads, { root: '/srv', deleteAfter: true })
// @ts-expect-error size is per call only
app.register(downloads, { root: '/srv', size: 10 })
// @ts-expect-error etag is a boolean or a string
app.register(downloads, { root: '/srv', etag: 1 })
// @ts-expect-error cacheControl is a string or false
app.register(downloads, { root: '/srv', cacheControl: true })
// @ts-expect-error headers values are strings, numbers or string lists
app.register(downloads, { root: '/srv', headers: { 'x-a': true } })

// ---- reply.download() and reply.inline().
declare const reply: FastifyReply
declare const readable: Readable
declare const webStream: ReadableStream<Uint8Array>
declare const ranged: RangedSource
const options: DownloadOptions = { maxAge: 60, cleanup, deleteAfter: true, size: 10, root: '/tmp/x' }

async function * generate (): AsyncGenerator<Uint8Array | string> {
  yield 'text'
  yield new Uint8Array([1, 2])
}

for (const method of [reply.download, reply.inline]) {
  expectExactType<FastifyReply>()(method('file.txt'))
  expectExactType<FastifyReply>()(method('file.txt', 'name.txt'))
  expectExactType<FastifyReply>()(method('file.txt', 'name.txt', options))
  expectExactType<FastifyReply>()(method('file.txt', options))
  expectExactType<FastifyReply>()(method('file.txt', undefined, options))
}
assert<Equal<ReturnType<FastifyReply['download']>, FastifyReply>>()
assert<Equal<ReturnType<FastifyReply['inline']>, FastifyReply>>()

expectType<FastifyReply>(reply.download(Buffer.from('x'), 'x.bin'))
expectType<FastifyReply>(reply.download(new Uint8Array(4), 'x.bin'))
expectType<FastifyReply>(reply.download(readable, 'x.bin', { size: 10 }))
expectType<FastifyReply>(reply.download(webStream, 'x.bin'))
expectType<FastifyReply>(reply.download(generate(), 'x.txt'))
expectType<FastifyReply>(reply.download(ranged, 'x.bin', { etag: '"v1"' }))
expectType<FastifyReply>(reply.inline(Buffer.from('<svg/>'), 'x.svg', { mediaType: 'image/svg+xml' }))
expectType<FastifyReply>(reply.download({ size: 3, open: () => readable }, 'x.bin'))
expectType<FastifyReply>(reply.download({ size: 3, open: async (range?: ByteRange) => { expectType<ByteRange | undefined>(range); return readable } }, 'x.bin'))
expectType<DownloadSource>(generate())
expectType<DownloadSource>(ranged)

// A web ReadableStream from fetch() and an async iterable are ranged bodies too (issue 20, point 6).
const remote: RangedSource = {
  size: 10,
  open: async (range) => (await fetch('http://127.0.0.1:9/blob', { headers: range === undefined ? {} : { range: `bytes=${range.start}-${range.end}` } })).body!
}
const iterated: RangedSource = { size: 3, open: async function * () { yield Buffer.from('abc') } }
expectType<FastifyReply>(reply.download(remote, 'blob.bin'))
expectType<FastifyReply>(reply.download(iterated, 'x.bin'))
expectType<RangedBody>(readable)

// A server-chosen absolute path, marked as trusted (issue 20, point 4); a look-alike object is not one.
expectType<TrustedFile>(trustedFile('/tmp/report.csv'))
expectType<TrustedFile>(trustedFile(new URL('file:///tmp/report.csv')))
expectType<FastifyReply>(reply.download(trustedFile('/tmp/report.csv'), 'report.csv', { deleteAfter: true }))
// @ts-expect-error a plain { path } is not a TrustedFile
expectType<TrustedFile>({ path: '/etc/passwd' })

// With a response schema, the async form compiles (Fastify's types only let a sync handler return the schema's type).
const typedApp = Fastify().withTypeProvider<TypeBoxTypeProvider>()
typedApp.get('/typed/:name', { schema: { params: TypeV1.Object({ name: FileNameSchema }), response: { 200: TypeV1.String() } } },
  async (req, reply) => reply.download(req.params.name))
typedApp.get('/typed-block/:name', { schema: { params: TypeV1.Object({ name: FileNameSchema }), response: { 200: TypeV1.String() } } },
  (req, reply) => { reply.download(req.params.name) })

// Renamed decorators (next to @fastify/static) are typed by the app with DownloadMethod.
app.register(downloads, { root: '/srv', decorators: { download: 'sendDownload', inline: 'sendInline' } })
// @ts-expect-error decorator names are strings
app.register(downloads, { root: '/srv', decorators: { download: 1 } })
// public: true for shared caches (issue 20, point 7)
app.register(downloads, { root: '/srv', public: true, maxAge: 60 })

// @ts-expect-error a number is no source
reply.download(42)
// @ts-expect-error null is no source
reply.download(null)
// @ts-expect-error an object without size and open is no source
reply.download({ path: 'a.txt' })
// @ts-expect-error a ranged source needs open()
reply.download({ size: 3 })
// @ts-expect-error the file name is a string
reply.download('a.txt', 42)
// @ts-expect-error the third argument is options
reply.download('a.txt', 'b.txt', 'c.txt')
// @ts-expect-error options then options
reply.download('a.txt', options, options)
// @ts-expect-error maxAge is a number
reply.download('a.txt', { maxAge: '1' })
// @ts-expect-error throttle needs bytesPerSecond
reply.inline('a.txt', 'a.txt', { throttle: {} })
// @ts-expect-error cleanup is a function
reply.inline('a.txt', { cleanup: true })
// @ts-expect-error an async iterable of numbers is no source
reply.download((async function * () { yield 1 })())

// ---- In a route, with the TypeBox type provider.
const typed = Fastify().withTypeProvider<TypeBoxTypeProvider>()
typed.get('/files/:name', { schema: { params: Type.Object({ name: FileNameSchema }) } }, (req, reply) => {
  expectExactType<string>()(req.params.name)
  return reply.download(req.params.name)
})
typed.get('/v1/:name', { schema: { params: TypeV1.Object({ name: FileNameSchema }) } }, (req, reply) => {
  expectExactType<string>()(req.params.name)
  return reply.inline(req.params.name, `${req.params.name}.txt`, { maxAge: 60 })
})
typed.get('/tree/*', { schema: { params: TypeV1.Object({ '*': FilePathSchema }) } }, async (req, reply) => {
  expectExactType<string>()(req.params['*'])
  return reply.download(req.params['*'], { cleanup })
})
typed.get('/plain/:name', (req, reply) => {
  // Without a schema the param is not known to be a string.
  // @ts-expect-error params is unknown without a schema
  return reply.download(req.params.name)
})

// ---- The cache's size, reported on the instance.
const cacheStats = app.downloadsCache
expectExactType<FileCacheStats>()(cacheStats)
expectExactType<number>()(cacheStats.bytes)
expectExactType<number>()(cacheStats.entries)
// @ts-expect-error the report is read-only
app.downloadsCache = cacheStats

// ---- The outcome channel's message.
const onOutcome = (message: OutcomeMessage): number => message.outcome.bytesSent + message.request.url.length
expectType<(m: OutcomeMessage) => number>(onOutcome)
