import type { Readable } from 'node:stream'
import { toHttpTime } from './http/date.js'
import type { FastifyReply } from 'fastify'
import { multipartBody } from './body/multipart.js'
import { firstChunk } from './sources/stream.js'
import { emptyBody, noop, type Body, type Entity } from './entity.js'
import { lengthMismatchAhead } from './body/length-guard.js'
import { plan } from './conditional/plan.js'
import { FST_DOWNLOADS_INVALID_OPTION, FST_DOWNLOADS_INVALID_SOURCE, FST_DOWNLOADS_NOT_FOUND, FST_DOWNLOADS_SOURCE_FAILED } from './errors.js'
import { sanitizeFilename, type DispositionType } from './http/disposition.js'
import { memoize, shortString } from './memo.js'
import { respond, type BodyPlan, type DecidedResponse, type Headers } from './respond.js'
import { DownloadTracker, responseGone } from './lifecycle/tracker.js'
import { throttled } from './body/throttle.js'
import { validateDownloadOptions, withCallOptions, type PluginSettings, type ResolvedOptions } from './options.js'
import { SOURCES, type SourceKind } from './sources/index.js'
import { kDownload } from './symbols.js'
import { after, type Later } from './later.js'
import type { DownloadOptions, DownloadSource, OpenOptions } from './types.js'

// Names repeat (the same files, the same export names); long ones a caller made up are not kept.
const safeFilename = memoize(sanitizeFilename, 1024, shortString)

interface Call {
  source: DownloadSource
  filename: string | undefined
  options: DownloadOptions | undefined
}

/** Sorts out `(source, filename?, options?)` and `(source, options)`, in one place. */
function normalizeArguments (source: DownloadSource, filenameOrOptions?: string | DownloadOptions, options?: DownloadOptions): Call {
  if (typeof filenameOrOptions === 'string') return { source, filename: filenameOrOptions, options }
  if (filenameOrOptions === undefined || filenameOrOptions === null) return { source, filename: undefined, options }
  if (options !== undefined) throw new FST_DOWNLOADS_INVALID_OPTION('filename', 'must be a string when options follow it')
  return { source, filename: undefined, options: filenameOrOptions }
}

/** Merges per-call options over the registration defaults; no work when the call passes none. */
function effectiveOptions (settings: PluginSettings, options: DownloadOptions | undefined): ResolvedOptions {
  if (options === undefined) return settings.defaults
  validateDownloadOptions(options)
  return withCallOptions(settings, options)
}

/** The entity's date, or the caller's, never later than now (RFC 9110 §8.8.2.1); comparisons use the same value. */
function lastModifiedOf (opts: ResolvedOptions, entity: Entity, now: number): number | undefined {
  const date = typeof opts.lastModified === 'number' ? opts.lastModified : opts.lastModified ? entity.lastModified : undefined
  return date === undefined ? undefined : Math.min(date, toHttpTime(now))
}

/** Turns any source into an entity, through the first source kind that accepts it. */
function toEntity (settings: PluginSettings, call: Call, opts: ResolvedOptions): Later<Entity> {
  const { source } = call
  let kind: SourceKind | undefined
  for (const candidate of SOURCES) {
    if (candidate.accepts(source)) {
      kind = candidate
      break
    }
  }
  if (opts.deleteAfter && kind?.deletable !== true) throw new FST_DOWNLOADS_INVALID_OPTION('deleteAfter', 'applies to path sources only')
  if (kind === undefined) throw new FST_DOWNLOADS_INVALID_SOURCE(source === null ? 'null' : typeof source)
  return kind.entity(source, { settings, opts, root: call.options?.root })
}

// What a file or a buffer is opened with: they read no network, and nothing aborts them.
const LOCAL: OpenOptions = Object.freeze({ signal: new AbortController().signal })

/** Opens the body a response calls for; `options.signal` aborts when the download ends unfinished. */
function openBody (entity: Entity, body: BodyPlan, options: OpenOptions): Later<Body> {
  switch (body.kind) {
    case 'none': return emptyBody()
    case 'whole': return entity.open(undefined, options)
    case 'range': return entity.open(body.range, options)
    case 'multipart': return multipartBody(entity, body.ranges, body.layout, options)
  }
}

type Step = Later<void>

/** One download in progress: what every step after the options reads. */
interface Download {
  readonly reply: FastifyReply
  readonly type: DispositionType
  readonly call: Call
  readonly opts: ResolvedOptions
  readonly tracker: DownloadTracker
}

function serve (reply: FastifyReply, settings: PluginSettings, type: DispositionType, call: Call, tracker: DownloadTracker): Step {
  const opts = effectiveOptions(settings, call.options)
  tracker.options(opts.cleanup)
  const download: Download = { reply, type, call, opts, tracker }
  return after(toEntity(settings, call, opts), (entity) => serveEntity(download, entity))
}

function serveEntity (download: Download, entity: Entity): Step {
  const { reply, type, call, opts, tracker } = download
  // Only a file found is deleted: a path refused (403, 404) never got this far.
  tracker.entity(entity.release, opts.deleteAfter ? entity.file : undefined)
  const request = reply.request
  const now = Date.now()
  const validators = {
    etag: opts.etag === false ? undefined : typeof opts.etag === 'string' ? opts.etag : entity.etag,
    lastModified: lastModifiedOf(opts, entity, now)
  }
  const rangeable = entity.rangeable && opts.acceptRanges && entity.size !== undefined
  const decision = plan({
    method: request.method,
    headers: request.headers,
    size: entity.size,
    validators,
    rangeable,
    maxRanges: opts.maxRanges,
    now
  })

  const response = respond({
    plan: decision,
    size: entity.size,
    validators,
    rangeable,
    type,
    filename: safeFilename(call.filename ?? entity.filename),
    mediaType: entity.mediaType,
    contentEncoding: entity.contentEncoding,
    opts,
    app: reply
  })
  const { status, headers, body: planned } = response
  tracker.body(planned)
  if (status === 304) {
    reply.code(304).headers(headers).send(request.method === 'HEAD' ? emptyBody() : undefined)
    return
  }
  let opened: Later<Body>
  try {
    // A file or a buffer reads what it holds: only a foreign source is given a signal (made on first use).
    opened = openBody(entity, planned, entity.foreign ? tracker.openOptions() : LOCAL)
  } catch (err) {
    throw openFailure(entity, err)
  }
  if (opened instanceof Promise) {
    return unlessGone(reply, opened, destroyBody).then(
      (body) => sendBody(download, body, entity, response),
      (err: unknown) => reloaded(download, entity, err))
  }
  return sendBody(download, opened, entity, response)
}

/**
 * A store found to hold another version than the one described (its If-Match failed) before any
 * header went out: the response is decided once more for the current version. A second change, or a
 * source that cannot reload, is the 503 itself.
 */
function reloaded (download: Download, entity: Entity, err: unknown): Step {
  if ((err as { code?: string }).code !== 'FST_DOWNLOADS_FILE_CHANGED' || entity.reload === undefined) throw openFailure(entity, err)
  entity.release()
  download.tracker.entity(noop, undefined)
  return unlessGone(download.reply, entity.reload(download.tracker.openOptions()), noop).then((fresh) => {
    if (fresh === null) throw new FST_DOWNLOADS_NOT_FOUND()
    return serveEntity(download, { ...fresh, reload: undefined })
  }, (failure: unknown) => { throw openFailure(entity, failure) })
}

/** The rejection of a wait the client walked away from: no response is written, and it is not the outcome's error. */
const CLIENT_GONE = new Error('the client left before the download started')

const destroyBody = (body: Body): void => {
  if (!Buffer.isBuffer(body)) body.destroy()
}

/**
 * Waits for `pending` (a store's open(), a stream's first byte) while watching the client: if it leaves
 * first, the wait ends at once, so cleanup runs now and not when a silent upstream answers, and a value
 * that arrives later is handed to `discard` (a stream opened for nobody is destroyed).
 */
function unlessGone<T> (reply: FastifyReply, pending: Promise<T>, discard: (late: T) => void): Promise<T> {
  const raw = reply.raw
  return new Promise((resolve, reject) => {
    let gone = false
    const leave = (): void => {
      gone = true
      reject(CLIENT_GONE)
    }
    raw.once('close', leave)
    pending.then((value) => {
      raw.off('close', leave)
      if (gone) discard(value)
      else resolve(value)
    }, (err: unknown) => {
      raw.off('close', leave)
      reject(err)
    })
    // The client may have left during an earlier wait: `close` has fired already and will not again.
    if (responseGone(reply)) leave()
  })
}

/**
 * The length a body must have, when the plugin cannot vouch for it: a stream's or a store's bytes are
 * held to the Content-Length sent for them (files and buffers are read to their known length, and a
 * HEAD has no body).
 */
function announced (entity: Entity, headers: Headers, head: boolean): number | undefined {
  const length = headers['content-length']
  return head || typeof length !== 'number' || !entity.foreign ? undefined : length
}

/** The plugin's own errors (404, 403, a length mismatch) as they are; another failure of a source is a 500 of ours. */
function openFailure (entity: Entity, err: unknown): unknown {
  return err === CLIENT_GONE || !entity.foreign || (err as { statusCode?: number }).statusCode !== undefined ? err : new FST_DOWNLOADS_SOURCE_FAILED({ cause: err })
}

function sendBody ({ reply, opts, tracker }: Download, opened: Body, entity: Entity, { status, headers }: DecidedResponse): Step {
  const body = opts.throttle === undefined ? opened : throttled(opened, opts.throttle)
  if (Buffer.isBuffer(body)) {
    tracker.trackBuffer(body.length)
  } else if (!entity.foreign) {
    tracker.track(body)
  } else {
    const length = announced(entity, headers, reply.request.method === 'HEAD')
    // A store or a generator can fail at once; its first byte is awaited only if it is not there yet.
    const ready = firstChunk(body)
    if (ready !== undefined) {
      return unlessGone(reply, ready, noop).then(() => {
        sendStream(reply, body, status, headers, length, tracker)
      }, (err: unknown) => {
        body.destroy()
        throw err
      })
    }
    sendStream(reply, body, status, headers, length, tracker)
    return
  }
  reply.code(status).headers(headers).send(body)
}

/** Sends a stream whose first bytes are in; one already longer or shorter than announced is a clean 500. */
function sendStream (reply: FastifyReply, body: Readable, status: number, headers: Headers, length: number | undefined, tracker: DownloadTracker): void {
  const mismatch = length === undefined ? undefined : lengthMismatchAhead(body, length)
  if (mismatch !== undefined) {
    body.destroy()
    throw mismatch
  }
  tracker.track(body, length)
  reply.code(status).headers(headers).send(body)
}

/** reply.download() and reply.inline(): start serving, report failures through Fastify's error handling. */
export function sendDownload (
  reply: FastifyReply, settings: PluginSettings, type: DispositionType,
  source: DownloadSource, filenameOrOptions?: string | DownloadOptions, options?: DownloadOptions
): FastifyReply {
  const call = normalizeArguments(source, filenameOrOptions, options)
  const tracker = new DownloadTracker(reply, settings.defaults.cleanup, settings.defaults.cleanup.length > 0 || call.options?.cleanup !== undefined)
  // On the request (declared with decorateRequest), where the onResponse hook finds it.
  ;(reply.request as unknown as Record<symbol, unknown>)[kDownload] = tracker
  let step: Step
  try {
    step = serve(reply, settings, type, call, tracker)
  } catch (err) {
    fail(reply, tracker, err as Error)
    return reply
  }
  if (step === undefined) tracker.settle()
  else step.then(() => tracker.settle(), (err: Error) => fail(reply, tracker, err))
  return reply
}

/** A download that failed before its body went out: Fastify's error handling answers it. */
function fail (reply: FastifyReply, tracker: DownloadTracker, err: Error): void {
  if (err !== CLIENT_GONE) tracker.error ??= err
  try {
    if (!reply.sent && !responseGone(reply)) reply.send(err)
  } finally {
    tracker.settle()
  }
}
