import { channel } from 'node:diagnostics_channel'
import { unlink } from 'node:fs'
import type { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ByteRange } from '../conditional/range.js'
import type { CleanupFunction, DownloadOutcome } from '../types.js'

function responseGone (reply: FastifyReply): boolean {
  const raw = reply.raw as FastifyReply['raw'] & { stream?: { destroyed?: boolean } }
  return raw.destroyed || raw.stream?.destroyed === true || reply.request.raw.aborted
}

/** Published once per download, with the request, for metrics and audit logs. */
export const outcomeChannel = channel('fastify-downloads:outcome')

export interface OutcomeMessage {
  request: FastifyRequest
  reply: FastifyReply
  outcome: DownloadOutcome
}

/**
 * The life of one download, from the call of download()/inline() to the end of the response. It ends
 * exactly once, on whichever comes first of onResponse and the raw response's `close`
 * (which also fires when the client walks away mid-body, where onResponse may not), or at once when
 * the client had already left before download() was called. Once it has ended and the call has
 * settled (the entity, if any, is known), it frees the entity, deletes the file if asked, runs the
 * cleanup functions and publishes the outcome, after the response is out.
 */
export class DownloadTracker {
  readonly #reply: FastifyReply
  readonly #started = performance.now()
  #finished = false
  #outcome: DownloadOutcome | undefined
  #settled = false
  #oneWrite = 0
  #direct: { directBytes: number } | undefined
  bytesSent = 0
  error: Error | undefined
  range: ByteRange | undefined
  ranges: ByteRange[] | undefined
  /** Frees the entity (closes a descriptor); set once the entity exists. */
  release: (() => void) | undefined
  /** A file to delete after the response (deleteAfter). */
  deletePath: string | undefined
  cleanup: readonly CleanupFunction[]

  constructor (reply: FastifyReply, cleanup: readonly CleanupFunction[]) {
    this.#reply = reply
    this.cleanup = cleanup
    // No 'finish' listener: onResponse (finish()) and raw.writableFinished tell a complete response.
    reply.raw.on('close', () => this.end())
    // The client may have left while the handler worked: `close` has fired already and will not again.
    if (responseGone(reply)) this.end()
  }

  /**
   * Counts the body bytes that leave through a stream, and remembers a stream error for the outcome.
   * With `limit` (the Content-Length a stream source announced), a chunk that would go past it cuts the
   * connection before it is written: a keep-alive client must never read extra bytes as its next response.
   */
  track (body: Readable, limit?: number): void {
    // Listen for data only once Fastify pipes the body: a 'data' listener added earlier would start the
    // flow before the response is attached, and lose the bytes. Prepended, so it runs before the pipe writes.
    this.#reply.raw.once('pipe', (source: Readable) => {
      if (source !== body) return
      body.prependListener('data', (chunk: Buffer | string) => {
        const length = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length
        if (limit !== undefined && this.bytesSent + length > limit) {
          const err = new Error(`stream source is longer than its size option (${limit} bytes)`)
          this.error ??= err
          this.#reply.raw.destroy()
          body.destroy(err)
          return
        }
        this.bytesSent += length
      })
    })
    body.once('error', (err) => { this.error ??= err })
    // A file body that writes to the socket itself emits no 'data': it counts what was flushed.
    if (typeof (body as Partial<{ directBytes: number }>).directBytes === 'number') this.#direct = body as unknown as { directBytes: number }
  }

  /** Records a body sent in one write: it counts only if the response finished. */
  trackBuffer (length: number): void {
    this.#oneWrite = length
  }

  /** onResponse: the response was written completely. */
  finish (): void {
    this.#finished = true
    this.end()
  }

  /** The response is over (finished, failed or abandoned): fix the outcome. */
  end (): void {
    if (this.#outcome !== undefined) return
    const finished = this.#finished || this.#reply.raw.writableFinished
    const outcome: DownloadOutcome = {
      statusCode: this.#reply.raw.statusCode,
      bytesSent: this.bytesSent + (this.#direct?.directBytes ?? 0) + (finished ? this.#oneWrite : 0),
      aborted: !finished,
      durationMs: performance.now() - this.#started
    }
    if (this.error !== undefined) outcome.error = this.error
    if (this.range !== undefined) outcome.range = this.range
    if (this.ranges !== undefined) outcome.ranges = this.ranges
    this.#outcome = outcome
    if (this.#settled) this.#finalize(outcome)
  }

  /** download() has done all it will do: its entity, if any, and the file to delete are known. */
  settle (): void {
    if (this.#settled) return
    this.#settled = true
    if (this.#outcome !== undefined) this.#finalize(this.#outcome)
  }

  #finalize (outcome: DownloadOutcome): void {
    this.release?.()
    if (this.cleanup.length === 0 && this.deletePath === undefined && !outcome.aborted && !outcomeChannel.hasSubscribers) return
    // Never before the response is out, never in the way of the next request.
    setImmediate(() => { void this.#runCleanup(outcome) })
  }

  async #runCleanup (outcome: DownloadOutcome): Promise<void> {
    const log = this.#reply.log
    if (outcome.aborted) log.debug({ bytesSent: outcome.bytesSent }, 'download aborted by the client')
    if (this.deletePath !== undefined) {
      const path = this.deletePath
      await new Promise<void>((resolve) => unlink(path, (err) => {
        if (err !== null && err.code !== 'ENOENT') log.error({ err, path }, 'deleteAfter could not remove the file')
        resolve()
      }))
    }
    for (const fn of this.cleanup) {
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
