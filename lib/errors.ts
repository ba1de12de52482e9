import { createError, type FastifyErrorConstructor } from '@fastify/error'

// createError by name, not the default import: the emitted declarations then name FastifyErrorConstructor,
// where `createError.X` cannot be resolved by an app with `moduleResolution: bundler`.

// Every error the plugin sends or throws; codes are stable and part of the public API.

/** The path does not name a regular file under the root (missing, a directory, or an ignored dotfile). */
export const FST_DOWNLOADS_NOT_FOUND = createError('FST_DOWNLOADS_NOT_FOUND', 'File not found', 404)

/** A path segment longer than 255 bytes (NAME_MAX): no file can have that name. */
export const FST_DOWNLOADS_NAME_TOO_LONG = createError('FST_DOWNLOADS_NAME_TOO_LONG', 'File name longer than 255 bytes', 400)

/** The path tries to leave the root (`..`, absolute, NUL, backslash, encoded forms, symlink out). */
export const FST_DOWNLOADS_PATH_FORBIDDEN = createError('FST_DOWNLOADS_PATH_FORBIDDEN', 'Path is not allowed', 403)

/** A dotfile segment with `dotfiles: 'deny'`. */
export const FST_DOWNLOADS_DOTFILE_DENIED = createError('FST_DOWNLOADS_DOTFILE_DENIED', 'Access to dotfiles is denied', 403)

/** The operating system refused to read the file (EACCES, EPERM). */
export const FST_DOWNLOADS_ACCESS_DENIED = createError('FST_DOWNLOADS_ACCESS_DENIED', 'Access to the file is denied', 403)

/** If-Match or If-Unmodified-Since failed (RFC 9110 section 13.1.1 and 13.1.4). */
export const FST_DOWNLOADS_PRECONDITION_FAILED = createError('FST_DOWNLOADS_PRECONDITION_FAILED', 'Precondition failed', 412)

/** No requested range overlaps the representation (RFC 9110 section 15.5.17). */
export const FST_DOWNLOADS_RANGE_NOT_SATISFIABLE = createError('FST_DOWNLOADS_RANGE_NOT_SATISFIABLE', 'Range not satisfiable', 416)

/** A body source failed before its first byte was sent. */
export const FST_DOWNLOADS_SOURCE_FAILED = createError('FST_DOWNLOADS_SOURCE_FAILED', 'The download source failed', 500)

/** A stream or ranged source sent more or fewer bytes than the Content-Length the plugin announced for it. */
export const FST_DOWNLOADS_LENGTH_MISMATCH = createError('FST_DOWNLOADS_LENGTH_MISMATCH', 'The download source sent %s bytes than the %s announced', 500)

/** The file changed (rewritten, truncated) while it was read: its bytes would mix two versions. Transient: 503. */
export const FST_DOWNLOADS_FILE_CHANGED = createError('FST_DOWNLOADS_FILE_CHANGED', 'The file changed while it was read; try again', 503)

/** The server is out of file descriptors (EMFILE, ENFILE). Transient: 503 with Retry-After. */
export const FST_DOWNLOADS_UNAVAILABLE = createError('FST_DOWNLOADS_UNAVAILABLE', 'Too many open files; try again shortly', 503)

// The store errors' messages reach the client: the bucket, the status and the S3 error code go on the
// error as `bucket`, `status` and `s3Code`, which the log shows and the response does not.

/** The object store could not be reached (connection refused or reset, DNS): a gateway failure, 502. */
export const FST_DOWNLOADS_STORE_UNREACHABLE = createError('FST_DOWNLOADS_STORE_UNREACHABLE', 'The object store could not be reached', 502)

/** The object store did not answer (or send a first byte) within the store's `timeout`: a gateway failure, 502. */
export const FST_DOWNLOADS_STORE_TIMEOUT = createError('FST_DOWNLOADS_STORE_TIMEOUT', 'The object store did not answer in time', 502)

/** The object store refused the credentials or the request (401, 403): the server's configuration, a 502. */
export const FST_DOWNLOADS_STORE_DENIED = createError('FST_DOWNLOADS_STORE_DENIED', 'The object store refused the request', 502)

/** The object store answered with an error (5xx) or an answer that does not fit the request: a 502. */
export const FST_DOWNLOADS_STORE_ERROR = createError('FST_DOWNLOADS_STORE_ERROR', 'The object store failed', 502)

/** The client closed the connection while a store was asked (clientSignal()): nobody is left to answer; logged at info. */
export const FST_DOWNLOADS_CLIENT_GONE = createError('FST_DOWNLOADS_CLIENT_GONE', 'The client closed the connection before the download started', 499)

/** reply.download()/inline() was called with something that is not a source (a programming error). */
export const FST_DOWNLOADS_INVALID_SOURCE = createError('FST_DOWNLOADS_INVALID_SOURCE', 'Invalid download source: %s', 500, TypeError)

/** A plugin or per-call option is invalid (a programming error, reported at registration where possible). */
export const FST_DOWNLOADS_INVALID_OPTION = createError('FST_DOWNLOADS_INVALID_OPTION', 'Invalid option %s: %s', 500, TypeError)

/** Another plugin (@fastify/static, say) has decorated the reply with a name this plugin would use. */
export const FST_DOWNLOADS_DECORATOR_TAKEN = createError('FST_DOWNLOADS_DECORATOR_TAKEN', '%s', 500)

/** The `root` option is missing, not a directory, or cannot be read. */
export const FST_DOWNLOADS_INVALID_ROOT = createError('FST_DOWNLOADS_INVALID_ROOT', 'Invalid root %s: %s', 500, TypeError)

/**
 * Every error class by its code, for `instanceof` checks in an error handler.
 *
 * @example
 * app.setErrorHandler((err, req, reply) => {
 *   if (err instanceof errorCodes.FST_DOWNLOADS_NOT_FOUND) return reply.code(404).send({ error: 'No such report' })
 *   reply.send(err)
 * })
 */
export const errorCodes = {
  FST_DOWNLOADS_NOT_FOUND,
  FST_DOWNLOADS_NAME_TOO_LONG,
  FST_DOWNLOADS_PATH_FORBIDDEN,
  FST_DOWNLOADS_DOTFILE_DENIED,
  FST_DOWNLOADS_ACCESS_DENIED,
  FST_DOWNLOADS_PRECONDITION_FAILED,
  FST_DOWNLOADS_RANGE_NOT_SATISFIABLE,
  FST_DOWNLOADS_SOURCE_FAILED,
  FST_DOWNLOADS_LENGTH_MISMATCH,
  FST_DOWNLOADS_FILE_CHANGED,
  FST_DOWNLOADS_UNAVAILABLE,
  FST_DOWNLOADS_STORE_UNREACHABLE,
  FST_DOWNLOADS_STORE_TIMEOUT,
  FST_DOWNLOADS_STORE_DENIED,
  FST_DOWNLOADS_STORE_ERROR,
  FST_DOWNLOADS_CLIENT_GONE,
  FST_DOWNLOADS_INVALID_SOURCE,
  FST_DOWNLOADS_INVALID_OPTION,
  FST_DOWNLOADS_INVALID_ROOT,
  FST_DOWNLOADS_DECORATOR_TAKEN
} as const satisfies Record<`FST_DOWNLOADS_${string}`, FastifyErrorConstructor<{ code: string, statusCode: number }, [unknown?, unknown?]>>

/** Maps a file system error to the plugin's 4xx; anything else is a server fault, whose message (with a path) stays in the log. */
export function fsError (err: NodeJS.ErrnoException): Error {
  switch (err.code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ENAMETOOLONG':
    case 'EISDIR':
    case 'ELOOP':
      return new FST_DOWNLOADS_NOT_FOUND()
    case 'EACCES':
    case 'EPERM':
      return new FST_DOWNLOADS_ACCESS_DENIED()
    case 'EMFILE':
    case 'ENFILE':
      // Out of descriptors is load, not a fault: clients and proxies may retry a 503 (RFC 9110 §15.6.4).
      return Object.assign(new FST_DOWNLOADS_UNAVAILABLE({ cause: err }), { headers: { 'retry-after': '1' } })
    default:
      return new FST_DOWNLOADS_SOURCE_FAILED({ cause: err })
  }
}

/** Whether an error is one of the plugin's own (an FST_ code): a DOMException's `code` is a number, so the type is checked. */
export function isOwnError (err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('FST_')
}
