import { Type, type Static } from '@sinclair/typebox'

// No `/`, `\`, C0/C1 controls or DEL; not `.` or `..`; UTF-8 length is capped by maxLength on code units
// (255 UTF-16 units may exceed 255 bytes, so the byte cap is checked by the resolver as well).
const SEGMENT = '(?!\\.{1,2}(?:/|$))[^/\\\\\\u0000-\\u001f\\u007f-\\u009f]+'
export const FILE_NAME_PATTERN = `^${SEGMENT}$`
export const FILE_PATH_PATTERN = `^${SEGMENT}(?:/${SEGMENT})*$`

/**
 * One safe file name, for a route param: not empty, at most 255 bytes, no `/` or `\`, no NUL or other
 * control character, not `.` or `..`. A param that fails it gets Fastify's 400 before any file system call.
 *
 * @example
 * app.get('/files/:name', { schema: { params: Type.Object({ name: FileNameSchema }) } },
 *   (req, reply) => reply.download(req.params.name))
 */
export const FileNameSchema = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: FILE_NAME_PATTERN,
  description: 'A single file name: no path separators, control characters, `.` or `..`'
})

/**
 * A relative path of FileNameSchema segments joined by `/`, for wildcard routes: no leading `/`, no
 * empty, `.` or `..` segment.
 *
 * @example
 * app.get('/files/*', { schema: { params: Type.Object({ '*': FilePathSchema }) } },
 *   (req, reply) => reply.download(req.params['*']))
 */
export const FilePathSchema = Type.String({
  minLength: 1,
  maxLength: 4096,
  pattern: FILE_PATH_PATTERN,
  description: 'A relative path of safe file names joined by `/`'
})

export type FileName = Static<typeof FileNameSchema>
export type FilePath = Static<typeof FilePathSchema>
