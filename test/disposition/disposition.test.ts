// Content-Disposition: RFC 6266 (header, Appendix D advice to senders) and RFC 8187 (filename*).
import t from 'tap'
import { asciiFallback, contentDisposition, sanitizeFilename } from '../../lib/http/disposition.js'

interface Parsed {
  type: string
  params: Map<string, string>
  order: string[]
}

// token = 1*tchar; quoted-string with quoted-pair (RFC 9110 section 5.6.2 and 5.6.4).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/
const QUOTED = /^"((?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*)"/
// RFC 8187 section 3.2.1: ext-value = charset "'" [ language ] "'" value-chars; value-chars = *( pct-encoded / attr-char )
const EXT_VALUE = /^UTF-8'[A-Za-z0-9-]*'((?:%[0-9A-F]{2}|[A-Za-z0-9!#$&+\-.^_`|~])*)$/i

/** A strict parser of the RFC 6266 grammar: throws on anything that does not follow it. */
function parse (header: string): Parsed {
  const type = TOKEN.exec(header)
  if (type === null) throw new Error(`no disposition-type in ${header}`)
  let rest = header.slice(type[0].length)
  const params = new Map<string, string>()
  const order: string[] = []
  while (rest !== '') {
    const sep = /^[ \t]*;[ \t]*/.exec(rest)
    if (sep === null) throw new Error(`expected ";" in ${header}`)
    rest = rest.slice(sep[0].length)
    const name = TOKEN.exec(rest)
    if (name === null) throw new Error(`expected a parameter name in ${header}`)
    rest = rest.slice(name[0].length)
    if (!rest.startsWith('=')) throw new Error(`expected "=" in ${header}`)
    rest = rest.slice(1)
    const key = name[0].toLowerCase()
    if (params.has(key)) throw new Error(`parameter ${key} twice in ${header}`)
    const quoted = QUOTED.exec(rest)
    if (quoted !== null && key !== 'filename*') {
      params.set(key, quoted[1]!.replace(/\\(.)/g, '$1'))
      rest = rest.slice(quoted[0].length)
    } else {
      const token = TOKEN.exec(rest)
      if (token === null) throw new Error(`expected a value for ${key} in ${header}`)
      params.set(key, token[0])
      rest = rest.slice(token[0].length)
    }
    order.push(key)
  }
  return { type: type[0].toLowerCase(), params, order }
}

/** Decodes an RFC 8187 ext-value, or throws when it is not one. */
function decodeExtValue (value: string): string {
  const match = EXT_VALUE.exec(value)
  if (match === null) throw new Error(`not an RFC 8187 ext-value: ${value}`)
  return decodeURIComponent(match[1]!)
}

interface Case {
  name: string
  input: string
  /** The plain `filename` an old client saves under. */
  filename: string | undefined
  /** The exact name from `filename*`, or undefined when it should not be sent. */
  filenameStar: string | undefined
}

const cases: Case[] = [
  { name: 'plain ASCII', input: 'report.pdf', filename: 'report.pdf', filenameStar: undefined },
  { name: 'ASCII with spaces', input: 'annual report 2026.pdf', filename: 'annual report 2026.pdf', filenameStar: undefined },
  { name: 'accents: Résumé.pdf', input: 'Résumé.pdf', filename: 'Resume.pdf', filenameStar: 'Résumé.pdf' },
  { name: 'accents in decomposed form', input: 'Re\u0301sume\u0301.pdf', filename: 'Resume.pdf', filenameStar: 'Re\u0301sume\u0301.pdf' },
  { name: 'naïve café', input: 'naïve café.txt', filename: 'naive cafe.txt', filenameStar: 'naïve café.txt' },
  { name: 'a double quote is escaped', input: 'say "hi".txt', filename: 'say "hi".txt', filenameStar: undefined },
  { name: 'quotes with a non-ASCII name', input: '«é» "q".txt', filename: undefined, filenameStar: '«é» "q".txt' },
  { name: 'characters RFC 8187 must percent-encode', input: "l'été (1) * 50%;,.txt", filename: undefined, filenameStar: "l'été (1) * 50%;,.txt" },
  { name: 'CJK', input: '日本語.txt', filename: undefined, filenameStar: '日本語.txt' },
  { name: 'emoji', input: '✓ done 😀.txt', filename: undefined, filenameStar: '✓ done 😀.txt' }
]

for (const c of cases) {
  t.test(`contentDisposition: ${c.name}`, async (t) => {
    const header = contentDisposition('attachment', c.input)
    t.match(header, /^[\x20-\x7e]+$/, 'visible ASCII and SP only: no CR, LF, NUL or raw non-ASCII')
    const parsed = parse(header)
    t.equal(parsed.type, 'attachment')
    const filename = parsed.params.get('filename')
    t.type(filename, 'string', 'a filename parameter for clients without RFC 8187')
    if (c.filename !== undefined) t.equal(filename, c.filename, 'filename')
    // RFC 6266 Appendix D: no %XX and no backslash in filename, and ASCII only.
    t.notMatch(filename, /%[0-9A-Fa-f]{2}/, 'no percent-escape look-alike in filename')
    t.notMatch(filename, /\\/, 'no backslash in filename')
    t.match(filename, /^[\x20-\x7e]+$/, 'filename is ASCII')
    const star = parsed.params.get('filename*')
    if (c.filenameStar === undefined) {
      t.equal(star, undefined, 'no filename* for a name filename carries exactly')
    } else {
      t.type(star, 'string', 'filename* present')
      t.equal(decodeExtValue(star!), c.filenameStar, 'filename* decodes to the exact name')
      // RFC 6266 Appendix D: "filename" should occur first.
      t.ok(parsed.order.indexOf('filename') < parsed.order.indexOf('filename*'), 'filename before filename*')
    }
  })
}

t.test('contentDisposition: the disposition type', async (t) => {
  t.equal(parse(contentDisposition('inline', 'a.pdf')).type, 'inline')
  t.equal(parse(contentDisposition('attachment', 'a.pdf')).type, 'attachment')
  t.equal(parse(contentDisposition('inline', 'Résumé.pdf')).params.get('filename'), 'Resume.pdf')
})

t.test('contentDisposition: %XX in a name keeps the exact name in filename* only', async (t) => {
  const parsed = parse(contentDisposition('attachment', '50%25 off %41.txt'))
  t.notMatch(parsed.params.get('filename'), /%[0-9A-Fa-f]{2}/)
  t.equal(decodeExtValue(parsed.params.get('filename*')!), '50%25 off %41.txt')
})

t.test('contentDisposition: CR, LF, NUL and other controls never reach the header', async (t) => {
  const inputs = [
    'a\r\nSet-Cookie: x=1.txt',
    'a\nb.txt',
    'a\rb.txt',
    'a\0b.txt',
    'a\tb.txt',
    'a\x7fb.txt',
    'a\x85b.txt',
    'é\r\nSet-Cookie: x=1.txt',
    'é\0.txt'
  ]
  for (const input of inputs) {
    const header = contentDisposition('attachment', input)
    t.notMatch(header, /[\x00-\x1f\x7f]/, `${JSON.stringify(input)}: header`)
    const parsed = parse(header)
    t.notMatch(parsed.params.get('filename'), /[\x00-\x1f\x7f-\x9f]/, `${JSON.stringify(input)}: filename`)
    const star = parsed.params.get('filename*')
    if (star !== undefined) t.notMatch(decodeExtValue(star), /[\x00-\x1f\x7f-\x9f]/, `${JSON.stringify(input)}: decoded filename*`)
  }
})

t.test('contentDisposition: path separators never reach a saved name (RFC 6266 section 4.3)', async (t) => {
  for (const input of ['../../etc/passwd', 'a/b.txt', 'a\\b.txt', '..\\..\\win.ini', 'é/..\\x.txt']) {
    const parsed = parse(contentDisposition('attachment', input))
    t.notMatch(parsed.params.get('filename'), /[/\\]/, `${JSON.stringify(input)}: filename`)
    const star = parsed.params.get('filename*')
    if (star !== undefined) t.notMatch(decodeExtValue(star), /[/\\]/, `${JSON.stringify(input)}: decoded filename*`)
  }
})

t.test('sanitizeFilename', async (t) => {
  const unchanged = ['report.pdf', 'Résumé.pdf', '.hidden', 'a b c.txt', '日本語.txt', 'name.with.dots']
  for (const name of unchanged) t.equal(sanitizeFilename(name), name, `${JSON.stringify(name)} is kept`)

  const hostile = ['', ' ', '.', '..', '/', '\\', '../', 'a/b', 'a\\b', 'a\r\nb', '\0', 'x\u0085y', '\x7f', '\r\n']
  for (const name of hostile) {
    const safe = sanitizeFilename(name)
    t.ok(safe.length > 0, `${JSON.stringify(name)} -> ${JSON.stringify(safe)} is not empty`)
    t.notMatch(safe, /[/\\\x00-\x1f\x7f-\x9f]/, `${JSON.stringify(name)}: no separator or control character`)
    t.not(safe, '.', `${JSON.stringify(name)}: not "."`)
    t.not(safe, '..', `${JSON.stringify(name)}: not ".."`)
  }
  t.equal(sanitizeFilename('a\r\nb.txt'), 'ab.txt', 'controls are dropped, the rest kept')
})

t.test('asciiFallback', async (t) => {
  const cases: Array<[string, string]> = [
    ['Résumé.pdf', 'Resume.pdf'],
    ['plain.txt', 'plain.txt'],
    ['crème brûlée.doc', 'creme brulee.doc'],
    ['ÅÄÖ åäö.txt', 'AAO aao.txt'],
    ['Ñandú.png', 'Nandu.png'],
    ['Zürich–Genève.csv', 'Zurich-Geneve.csv'],
    ['“quoted”.txt', '"quoted".txt']
  ]
  for (const [input, expected] of cases) t.equal(asciiFallback(input), expected, JSON.stringify(input))

  for (const input of ['日本語.txt', '✓ 😀.txt', 'Ελληνικά.txt', 'Straße.txt', 'œuvre.txt']) {
    const out = asciiFallback(input)
    t.match(out, /^[\x20-\x7e]+$/, `${JSON.stringify(input)} -> ${JSON.stringify(out)} is ASCII`)
    t.ok(out.endsWith('.txt'), `${JSON.stringify(input)}: the extension survives`)
  }
  for (const input of ['%41.txt', '100%2F.txt', 'é%e9.txt']) {
    t.notMatch(asciiFallback(input), /%[0-9A-Fa-f]{2}/, `${JSON.stringify(input)}: no %XX (RFC 6266 Appendix D)`)
  }
  t.equal(asciiFallback('100%.txt'), '100%.txt', 'a lone % is no escape and stays')
})
