import { isAbsolute } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FST_DOWNLOADS_INVALID_SOURCE } from '../errors.js'

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
  /** The absolute path, as given. */
  readonly path: string
  // Nominal: a plain `{ path }` from a request body must not pass for one, in the types or at run time.
  readonly #trusted = true

  /** Whether `value` was made by trustedFile() (a brand check, not a shape check). */
  static is (value: unknown): value is TrustedFile {
    return typeof value === 'object' && value !== null && #trusted in value
  }

  /** Use `trustedFile()`. */
  constructor (path: string) {
    this.path = path
    Object.freeze(this)
  }
}

/**
 * Marks an absolute path the server chose as trusted: `reply.download()` serves it without confining it
 * to a root. Never pass a path that came from the request.
 *
 * @example
 * app.get('/report', async (req, reply) => {
 *   const path = join(await mkdtemp(join(tmpdir(), 'report-')), 'report.csv')
 *   await writeFile(path, await renderCsv())
 *   return reply.download(trustedFile(path), 'report.csv', { deleteAfter: true })
 * })
 */
export function trustedFile (path: string | URL): TrustedFile {
  const absolute = path instanceof URL || path.startsWith('file:') ? fileURLToPath(path) : path
  if (typeof absolute !== 'string' || !isAbsolute(absolute) || absolute.includes('\0')) {
    throw new FST_DOWNLOADS_INVALID_SOURCE('trustedFile() takes an absolute path or a file: URL')
  }
  return new TrustedFile(absolute)
}
