// Keeps the error list, the public export and the documentation in step.
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import * as errors from '../../lib/errors.js'
import { errorCodes as publicErrorCodes } from '../../lib/index.js'

const { errorCodes } = errors
const codes = Object.keys(errorCodes) as Array<keyof typeof errorCodes>

t.test('every error of lib/errors.ts is in errorCodes', async (t) => {
  // fsError() maps a file system error to one of them, isOwnError() recognises them: neither is an error itself.
  const exported = Object.keys(errors).filter((name) => !['errorCodes', 'fsError', 'isOwnError'].includes(name)).sort()
  t.strictSame([...codes].sort(), exported, 'errorCodes lists exactly the exported errors')
  t.ok(codes.length > 0)
})

t.test('the package exports the same errorCodes', async (t) => {
  t.equal(publicErrorCodes, errorCodes)
})

for (const key of codes) {
  t.test(key, async (t) => {
    const FastifyError = errorCodes[key]
    // Arguments for the %s placeholders of the messages that have them.
    const err = new FastifyError('x', 'y')
    t.match(key, /^FST_DOWNLOADS_[A-Z_]+$/, 'the key is an FST_DOWNLOADS_* code')
    t.equal(err.code, key, 'the code equals its key')
    t.type(err.statusCode, 'number', 'a statusCode')
    t.ok(err.statusCode! >= 400 && err.statusCode! <= 599, `statusCode ${err.statusCode} is an error status`)
    t.ok(err instanceof Error, 'an Error')
    t.ok(err instanceof FastifyError, 'an instance of its constructor')
    t.equal(typeof err.message, 'string')
    t.notMatch(err.message, /%s/, 'no placeholder left in the message')
  })
}

t.test('status codes of the request errors', async (t) => {
  const expected: Partial<Record<keyof typeof errorCodes, number>> = {
    FST_DOWNLOADS_NOT_FOUND: 404,
    FST_DOWNLOADS_PATH_FORBIDDEN: 403,
    FST_DOWNLOADS_DOTFILE_DENIED: 403,
    FST_DOWNLOADS_ACCESS_DENIED: 403,
    FST_DOWNLOADS_PRECONDITION_FAILED: 412,
    FST_DOWNLOADS_RANGE_NOT_SATISFIABLE: 416
  }
  for (const [key, status] of Object.entries(expected)) {
    t.equal(new errorCodes[key as keyof typeof errorCodes]().statusCode, status, key)
  }
})

t.test('README.md documents every error code', async (t) => {
  let readme: string | undefined
  try {
    readme = await readFile(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (readme === undefined) {
    for (const key of codes) t.fail(`${key} is documented`, { todo: 'README.md does not exist yet' })
    return
  }
  for (const key of codes) t.match(readme, new RegExp(`\\b${key}\\b`), `${key} is documented`)
})
