import { channel } from 'node:diagnostics_channel'
import { unlink } from 'node:fs'
import type { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'
import type { ByteRange } from '../conditional/range.js'
import type { BodyPlan } from '../respond.js'
import type { CleanupFunction, DownloadOutcome, OpenOptions, OutcomeMessage } from '../types.js'
import { noop } from '../entity.js'
import { holdToLength } from '../body/length-guard.js'

type RawResponse = FastifyReply['raw'] & { stream?: { destroyed: boolean, aborted: boolean, rstCode?: number } }

/** Whether the client is gone: the response can no longer be written. */
export function responseGone (reply: FastifyReply): boolean {
  const raw = reply.raw as RawResponse
  return raw.destroyed || raw.stream?.destroyed === true || reply.request.raw.aborted
}

/**
 * Whether the response was written to its end. On HTTP/2 a stream the client reset can still show
 * `writableFinished` (its buffered write drained before the reset was seen): the reset code decides.
 */
function wroteAll (reply: FastifyReply): boolean {
  const raw = reply.raw as RawResponse
  return raw.writableFinished && (raw.stream === undefined || (!raw.stream.aborted && (raw.stream.rstCode ?? 0) === 0))
}

/**
 * Published once per download, with the request, for metrics and audit logs.
 *
 * @example
 * outcomeChannel.subscribe((message) => log.info((message as OutcomeMessage).outcome, 'download'))
 */
export const outcomeChannel = channel('fastify-downloads:outcome')


// Fastify's disabled logger (logger: false) has neither isLevelEnabled nor a level, and writes nothing.
function logsDebug (log: FastifyReply['log']): boolean {
  const logger = log as FastifyReply['log'] & { isLevelEnabled?: (level: string) => boolean }
  if (typeof logger.isLevelEnabled === 'function') return logger.isLevelEnabled('debug')
  return logger.level === 'debug' || logger.level === 'trace'
}

/**
 * What a source's open() gets: the download's signal, made when the source reads it (a stream source,
 * foreign too, never does), and nothing else of the tracker. A class: one fixed shape, no per-call closure.
 */
class Opening implements OpenOptions {
  readonly #tracker: DownloadTracker
  constructor (tracker: DownloadTracker) {
    this.#tracker = tracker
  }

  get signal (): AbortSignal {
    return this.#tracker.signal
  }
}

/**
 * The life of one download, from the call of download()/inline() to the end of the response. It ends
 * exactly once, on whichever comes first of onResponse and the raw response's `close` (which also
 * fires when the client walks away mid-body, where onResponse may not), or at once when the client had
 * already left before download() settled. Once it has ended and the call has settled (the entity, if
 * any, is known), it frees the entity, deletes the file if asked, runs the cleanup functions and
 * publishes the outcome, after the response is out.
 *
 * A download with nothing to do at its end (an in-memory body, no cleanup, no subscriber, no debug
 * log) listens for nothing and builds no outcome: the `close` listener and two clock reads were 1.3% of
 * the instructions of a 1 KiB in-memory response (benchmarks/README.md, "Instructions per request").
 */
export class DownloadTracker {
  readonly #reply: FastifyReply
  /** performance.now() at the call, taken only when an outcome will be read (cleanup, a subscriber). */
  readonly #started: number | undefined
  #finished = false
  #cut = false
  #ended = false
  #outcome: DownloadOutcome | undefined
  #settled = false
  #oneWrite = 0
  #direct: { directBytes: number } | undefined
  bytesSent = 0
  error: Error | undefined
  #range: ByteRange | undefined
  #ranges: readonly ByteRange[] | undefined
  /** Frees the entity (closes a descriptor); set once the entity exists. */
  #release: (() => void) | undefined
  /** A file to delete after the response (deleteAfter). */
  #deletePath: string | undefined
  #cleanup: readonly CleanupFunction[]
  #abort: AbortController | undefined
  #open: OpenOptions | undefined

  /** `timed`: the call has cleanup functions (or a subscriber listens), so the outcome's duration is wanted. */
  constructor (reply: FastifyReply, cleanup: readonly CleanupFunction[], timed: boolean) {
    this.#reply = reply
    this.#cleanup = cleanup
    this.#started = timed || outcomeChannel.hasSubscribers ? performance.now() : undefined
  }

  /**
   * Aborts when the download ends unfinished (the client left, the response failed): what a source
   * still reads for it (a store's GET) is for nobody. Made on first use: a file or a buffer never asks.
   */
  get signal (): AbortSignal {
    this.#abort ??= new AbortController()
    return this.#abort.signal
  }

  /** What a source's open() and reload() are given: the signal alone, not the tracker. */
  openOptions (): OpenOptions {
    this.#open ??= new Opening(this)
    return this.#open
  }

  /** The call's options are known: the cleanup functions to run at the end. */
  options (cleanup: readonly CleanupFunction[]): void {
    this.#cleanup = cleanup
  }

  /** The entity exists: what to free at the end, and the file to delete (deleteAfter). */
  entity (release: () => void, deletePath: string | undefined): void {
    this.#release = release
    this.#deletePath = deletePath
  }

  /** The response is decided: the range or ranges it sends, for the outcome. */
  body (plan: BodyPlan): void {
    // Decided again after a reload: only the last decision is the outcome's.
    this.#range = plan.kind === 'range' ? plan.range : undefined
    this.#ranges = plan.kind === 'multipart' ? plan.ranges : undefined
  }

  /**
   * Counts the body bytes that leave through a stream, and remembers a stream error for the outcome.
   * With `length` (what the Content-Length of a stream or a store announced), a body that turns out
   * longer or shorter has its connection cut before the wrong bytes or the end reach it.
   */
  track (body: Readable, length?: number): void {
    // Listen for data only once Fastify pipes the body: a 'data' listener added earlier would start the
    // flow before the response is attached, and lose the bytes.
    this.#reply.raw.once('pipe', (source: Readable) => {
      if (source !== body) return
      body.on('data', (chunk: Buffer | string) => {
        // A chunk the length guard refused (and so destroyed the body for) was not sent.
        if (!body.destroyed) this.bytesSent += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length
      })
      if (length !== undefined) {
        holdToLength(body, length, (err) => {
          this.error ??= err
          // The pipe's own end handler still runs for this event, and Node then emits `finish` on the
          // destroyed response: the download is not finished, whatever that says.
          this.#cut = true
          this.#reply.raw.destroy()
          body.destroy(err)
        })
      }
    })
    body.once('error', (err) => { this.error ??= err })
    // A file body that writes to the socket itself emits no 'data': it counts what was flushed.
    if (typeof (body as Partial<{ directBytes: number }>).directBytes === 'number') this.#direct = body as unknown as { directBytes: number }
  }

  /** Records a body sent in one write: it counts only if the response finished. */
  trackBuffer (length: number): void {
    this.#oneWrite = length
  }

  /**
   * onResponse: the response emitted `finish`. On HTTP/1 that means it was written to its end; HTTP/2's
   * compatibility response emits it also for a stream the client reset, where `writableFinished` stays false.
   */
  finish (): void {
    this.#finished = (this.#reply.raw as RawResponse).stream === undefined || wroteAll(this.#reply)
    this.end()
  }

  /** The response is over (finished, failed or abandoned): fix the outcome, if anything will read it. */
  end (): void {
    if (this.#ended) return
    this.#ended = true
    const finished = !this.#cut && (this.#finished || wroteAll(this.#reply))
    // Before settle() the cleanup functions and the file to delete may not be known yet: keep the outcome.
    if (!this.#settled || this.#wantsOutcome(finished)) this.#outcome = this.#outcomeNow(finished)
    // A download written to its end read its source to the end: aborting it then could only cost a kept-alive connection.
    if (!finished) this.#abort?.abort()
    if (this.#settled) this.#finalize()
  }

  /**
   * download() has done all it will do: its entity, if any, and the file to delete are known. From here
   * the raw response's `close` is awaited, if the end has anything to do: onResponse does not fire for
   * a client that walks away.
   */
  settle (): void {
    if (this.#settled) return
    this.#settled = true
    if (this.#ended) {
      this.#finalize()
      return
    }
    if (!this.#hasEndWork()) return
    this.#reply.raw.on('close', () => this.end())
    // The client may have left while download() waited: `close` has fired already and will not again.
    if (responseGone(this.#reply)) this.end()
  }

  /** Whether the end has anything to do: a descriptor to close, a file to delete, an outcome someone reads. */
  #hasEndWork (): boolean {
    return (this.#release !== undefined && this.#release !== noop) || this.#abort !== undefined || this.#deletePath !== undefined || this.#wantsOutcome(false)
  }

  /** Whether anything reads the outcome: cleanup functions, a subscriber, or the debug line of an abort. */
  #wantsOutcome (finished: boolean): boolean {
    return this.#cleanup.length > 0 || outcomeChannel.hasSubscribers || (!finished && logsDebug(this.#reply.log))
  }

  #outcomeNow (finished: boolean): DownloadOutcome {
    const outcome: DownloadOutcome = {
      statusCode: this.#reply.raw.statusCode,
      bytesSent: this.bytesSent + (this.#direct?.directBytes ?? 0) + (finished ? this.#oneWrite : 0),
      aborted: !finished,
      // A subscriber that came after the call: the time since the request began is the nearest known.
      durationMs: this.#started === undefined ? this.#reply.elapsedTime : performance.now() - this.#started
    }
    if (this.error !== undefined) outcome.error = this.error
    if (this.#range !== undefined) outcome.range = this.#range
    if (this.#ranges !== undefined) outcome.ranges = this.#ranges.slice()
    return outcome
  }

  #finalize (): void {
    this.#release?.()
    const outcome = this.#outcome
    if (this.#deletePath === undefined && (outcome === undefined || (this.#cleanup.length === 0 && !outcome.aborted && !outcomeChannel.hasSubscribers))) return
    // Never before the response is out, never in the way of the next request.
    setImmediate(() => { void this.#runCleanup(outcome) })
  }

  async #runCleanup (outcome: DownloadOutcome | undefined): Promise<void> {
    const log = this.#reply.log
    if (outcome?.aborted === true) log.debug({ bytesSent: outcome.bytesSent }, 'download aborted by the client')
    if (this.#deletePath !== undefined) {
      const path = this.#deletePath
      await new Promise<void>((resolve) => unlink(path, (err) => {
        if (err !== null && err.code !== 'ENOENT') log.error({ err, path }, 'deleteAfter could not remove the file')
        resolve()
      }))
    }
    if (outcome === undefined) return
    for (const fn of this.#cleanup) {
      try {
        await fn(outcome)
      } catch (err) {
        log.error({ err }, 'download cleanup failed')
      }
    }
    if (outcomeChannel.hasSubscribers) {
      const message: OutcomeMessage = { request: this.#reply.request, reply: this.#reply, outcome }
      outcomeChannel.publish(message)
    }
  }
}
