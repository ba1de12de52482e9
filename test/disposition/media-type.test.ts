// Media types for a file name (RFC 9110 section 8.3) and the ones a browser runs script in.
import t from 'tap'
import { isActiveContent, mediaTypeFor, withCharset } from '../../lib/http/media-type.js'

/** type/subtype without parameters, lower-cased (section 8.3.1: case-insensitive). */
const essence = (value: string): string => value.split(';')[0]!.trim().toLowerCase()
const charset = (value: string): string | undefined => /;\s*charset=([^;\s]+)/i.exec(value)?.[1]?.toLowerCase()

t.test('mediaTypeFor: the type of common extensions', async (t) => {
  const cases: Array<[string, string]> = [
    ['a.txt', 'text/plain'],
    ['a.html', 'text/html'],
    ['a.css', 'text/css'],
    ['a.csv', 'text/csv'],
    ['a.json', 'application/json'],
    ['a.pdf', 'application/pdf'],
    ['a.png', 'image/png'],
    ['a.jpg', 'image/jpeg'],
    ['a.svg', 'image/svg+xml'],
    ['a.zip', 'application/zip'],
    ['a.mp4', 'video/mp4'],
    ['archive.tar.gz', 'application/gzip'],
    ['REPORT.PDF', 'application/pdf'],
    ['dir/nested/a.png', 'image/png']
  ]
  for (const [name, type] of cases) t.equal(essence(mediaTypeFor(name)), type, name)
})

t.test('mediaTypeFor: unknown or no extension is application/octet-stream (section 8.3)', async (t) => {
  for (const name of ['a.unknownext', 'README', 'noext.', '']) {
    t.equal(mediaTypeFor(name), 'application/octet-stream', JSON.stringify(name))
  }
})

t.test('mediaTypeFor: text types carry charset=utf-8, binary ones no charset', async (t) => {
  for (const name of ['a.txt', 'a.html', 'a.css', 'a.csv']) t.equal(charset(mediaTypeFor(name)), 'utf-8', name)
  for (const name of ['a.png', 'a.pdf', 'a.zip', 'a.mp4', 'a.bin']) t.equal(charset(mediaTypeFor(name)), undefined, name)
})

t.test('withCharset', async (t) => {
  const cases: Array<[string, string]> = [
    ['text/plain', 'text/plain; charset=utf-8'],
    ['text/html', 'text/html; charset=utf-8'],
    // A type that has parameters is the caller's choice, left as it is.
    ['text/plain; charset=iso-8859-1', 'text/plain; charset=iso-8859-1'],
    ['text/plain;format=flowed', 'text/plain;format=flowed'],
    ['image/png', 'image/png'],
    ['application/octet-stream', 'application/octet-stream'],
    ['application/pdf', 'application/pdf']
  ]
  for (const [input, expected] of cases) t.equal(withCharset(input), expected, input)
  t.equal(charset(withCharset('application/xml')), 'utf-8', 'application/xml')
  t.equal(charset(withCharset('image/svg+xml')), 'utf-8', 'a +xml type')
})

t.test('isActiveContent: documents a browser renders with script', async (t) => {
  const active = [
    'text/html',
    'text/html; charset=utf-8',
    'TEXT/HTML',
    'application/xhtml+xml',
    'image/svg+xml',
    'image/svg+xml; charset=utf-8',
    'text/xml',
    'application/xml',
    'application/rss+xml',
    'text/xsl',
    'application/xslt+xml'
  ]
  const passive = [
    'text/plain',
    'text/plain; charset=utf-8',
    'text/css',
    'text/csv',
    'application/json',
    'application/pdf',
    'image/png',
    'image/jpeg',
    'video/mp4',
    'application/octet-stream',
    'text/htmlx',
    'application/zip'
  ]
  for (const type of active) t.equal(isActiveContent(type), true, type)
  for (const type of passive) t.equal(isActiveContent(type), false, type)
})
