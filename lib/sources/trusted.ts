import { isAbsolute } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FST_DOWNLOADS_INVALID_SOURCE } from '../errors.js'

// A registry symbol, so that the ESM and the CommonJS build (or two installed copies) know each other's.
const kTrusted = Symbol.for('fastify-downloads.trusted-file')

/**
 * A file the server chose itself (a temp file a handler just wrote), named by an absolute path and
 * served without root confinement. Everything else applies: open-then-fstat, validators, ranges,
 * deleteAfter. Made by `trustedFile()`, so that skipping confinement is a visible word in the code.
 *
 * @example
 * const file = trustedFile(join(tmpdir(), 'report.csv'))
 * file.path // '/tmp/report.csv'
 */
export class TrustedFile {
  /** The absolute path. */
  readonly path: string
  // Nominal in the types: a plain `{ path }` (a request body) does not pass for one.
  declare private readonly brand: typeof kTrusted

  /** Use `trustedFile()`; throws unless `path` is an absolute path or a `file:` URL. */
  constructor (path: string | URL) {
    const absolute = path instanceof URL || (typeof path === 'string' && path.startsWith('file:')) ? fileURLToPath(path) : path
    if (typeof absolute !== 'string' || !isAbsolute(absolute) || absolute.includes('\0')) {
      throw new FST_DOWNLOADS_INVALID_SOURCE('trustedFile() takes an absolute path or a file: URL')
    }
    this.path = absolute
    Object.defineProperty(this, kTrusted, { value: true })
    Object.freeze(this)
  }

  /** Whether `value` was made by trustedFile(), in this copy of the plugin or another. */
  static is (value: unknown): value is TrustedFile {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kTrusted] === true
  }
}

/**
 * Marks an absolute path the server chose as trusted: `reply.download()` serves it without confining it
 * to a root. Never pass a path that came from the request.
 *
 * @example
 * app.get('/report', async (req, reply) => {
 *   const path = join(tmpdir(), `report-${randomUUID()}.csv`)
 *   await writeFile(path, await renderCsv())
 *   return reply.download(trustedFile(path), 'report.csv', { deleteAfter: true })
 * })
 */
export function trustedFile (path: string | URL): TrustedFile {
  return new TrustedFile(path)
}
