// Confining a request path to the root: pathSegments, checkDotfiles and relativeInside (no I/O).
import { join, sep } from 'node:path'
import t, { type Test } from 'tap'
import { errorCodes } from '../../lib/errors.js'
import { checkDotfiles, pathSegments, relativeInside } from '../../lib/path/confine.js'

type Code = keyof typeof errorCodes

function throwsCode (t: Test, fn: () => unknown, code: Code, status: number, message: string): void {
  t.throws(fn, { code, statusCode: status }, message)
  try {
    fn()
  } catch (err) {
    t.ok(err instanceof errorCodes[code], `${message}: an instance of ${code}`)
  }
}

t.test('pathSegments: paths inside the root', async (t) => {
  const cases: Array<[string, string[]]> = [
    ['a.txt', ['a.txt']],
    ['dir/a.txt', ['dir', 'a.txt']],
    ['dir//a.txt', ['dir', 'a.txt']],
    ['./a.txt', ['a.txt']],
    ['dir/./a.txt', ['dir', 'a.txt']],
    ['dir/', ['dir']],
    ['...', ['...']],
    ['a..b', ['a..b']],
    ['..a', ['..a']],
    ['.hidden', ['.hidden']],
    ['Résumé.pdf', ['Résumé.pdf']],
    ['100%.txt', ['100%.txt']],
    ['%41.txt', ['%41.txt']],
    ['x'.repeat(255), ['x'.repeat(255)]]
  ]
  for (const [input, expected] of cases) t.strictSame(pathSegments(input), expected, JSON.stringify(input.length > 40 ? `${input.slice(0, 10)}…` : input))
})

t.test('pathSegments: anything that tries to leave the root is 403 FST_DOWNLOADS_PATH_FORBIDDEN', async (t) => {
  const cases = [
    '..',
    '../etc/passwd',
    'a/../../etc/passwd',
    'a/../b',
    'a/..',
    '/etc/passwd',
    '/',
    '//server/share',
    'a\\b',
    '..\\windows',
    'a\0b',
    'a.txt\0.png',
    'C:/Windows/win.ini',
    'c:win.ini',
    '%2e%2e/etc/passwd',
    '%2E%2E/etc/passwd',
    '..%2fetc%2fpasswd',
    'a%2Fb',
    '%5c..%5cwin.ini',
    'a%00.txt'
  ]
  for (const input of cases) throwsCode(t, () => pathSegments(input), 'FST_DOWNLOADS_PATH_FORBIDDEN', 403, JSON.stringify(input))
})

t.test('pathSegments: names of no file are 404 FST_DOWNLOADS_NOT_FOUND', async (t) => {
  const cases = ['', '.', './', './/.']
  for (const input of cases) throwsCode(t, () => pathSegments(input), 'FST_DOWNLOADS_NOT_FOUND', 404, JSON.stringify(input.slice(0, 20)))
})

t.test('pathSegments: a segment over 255 bytes is a 400 FST_DOWNLOADS_NAME_TOO_LONG, counted in UTF-8 bytes', async (t) => {
  for (const input of ['x'.repeat(256), 'é'.repeat(128), `dir/${'y'.repeat(300)}`, '😀'.repeat(64)]) {
    throwsCode(t, () => pathSegments(input), 'FST_DOWNLOADS_NAME_TOO_LONG', 400, JSON.stringify(input.slice(0, 20)))
  }
  t.same(pathSegments('é'.repeat(127)), ['é'.repeat(127)], '254 bytes is fine')
})

t.test('checkDotfiles', async (t) => {
  const dotted: string[][] = [['.env'], ['.git', 'config'], ['a', '.ssh', 'id_rsa'], ['a', 'b', '.htpasswd']]
  const plain: string[][] = [['a.txt'], ['dir', 'file.tar.gz'], ['a', 'b.', 'c'], ['x.y']]

  for (const segments of [...dotted, ...plain]) {
    t.doesNotThrow(() => checkDotfiles(segments, 'allow'), `allow ${segments.join('/')}`)
  }
  for (const segments of plain) {
    t.doesNotThrow(() => checkDotfiles(segments, 'ignore'), `ignore ${segments.join('/')}`)
    t.doesNotThrow(() => checkDotfiles(segments, 'deny'), `deny ${segments.join('/')}`)
  }
  for (const segments of dotted) {
    throwsCode(t, () => checkDotfiles(segments, 'ignore'), 'FST_DOWNLOADS_NOT_FOUND', 404, `ignore ${segments.join('/')}`)
    throwsCode(t, () => checkDotfiles(segments, 'deny'), 'FST_DOWNLOADS_DOTFILE_DENIED', 403, `deny ${segments.join('/')}`)
  }
})

t.test('relativeInside', async (t) => {
  const root = join(sep, 'srv', 'files')
  const cases: Array<[string, string, string[] | undefined]> = [
    [root, join(root, 'a.txt'), ['a.txt']],
    [root, join(root, 'dir', 'a.txt'), ['dir', 'a.txt']],
    [root + sep, join(root, 'a.txt'), ['a.txt']],
    // A sibling that shares the prefix is outside.
    [root, join(sep, 'srv', 'files2', 'a.txt'), undefined],
    [root, join(sep, 'srv', 'files-old'), undefined],
    [root, join(sep, 'srv', 'filesa.txt'), undefined],
    [root, join(sep, 'srv', 'a.txt'), undefined],
    [root, join(sep, 'etc', 'passwd'), undefined],
    // The root itself is no file in it.
    [root, root, undefined],
    [sep, join(sep, 'etc', 'passwd'), ['etc', 'passwd']]
  ]
  for (const [r, real, expected] of cases) t.strictSame(relativeInside(r, real), expected, `${real} in ${r}`)
})
