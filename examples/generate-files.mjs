// Writes the demo's bundled files into examples/files. The output is committed; run this again only to
// change them: node examples/generate-files.mjs
import { writeFile } from 'node:fs/promises'
import { deflateSync, crc32 } from 'node:zlib'

const files = new URL('./files/', import.meta.url)

// WinAnsi's 0x80-0x9F, where it parts from Latin-1 (Node's small ICU decodes windows-1252 as Latin-1).
const WINANSI = '\u20ac\ufffd\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\ufffd\u017d\ufffd' +
  '\ufffd\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\ufffd\u017e\u0178'
const fromWinAnsi = (s) => s.replace(/[\x80-\x9f]/g, (c) => WINANSI[c.charCodeAt(0) - 0x80])

/** A PDF text string in UTF-16BE with its byte order mark, as hex (PDF 1.7 section 7.9.2.2). */
function utf16 (text) {
  const bytes = Buffer.from(text, 'utf16le').swap16()
  return 'FEFF' + bytes.toString('hex').toUpperCase()
}

/** A one-page PDF 1.4 with a few lines of Helvetica text; `lines` are WinAnsi (latin1) strings. */
function pdf (title, lines) {
  const escape = (s) => s.replace(/[\\()]/g, (c) => '\\' + c)
  const text = [
    'BT /F1 24 Tf 72 720 Td', `(${escape(title)}) Tj`, '/F1 12 Tf 0 -36 Td 16 TL',
    ...lines.map((line) => `(${escape(line)}) '`), 'ET'
  ].join('\n')
  const content = Buffer.from(text, 'latin1')
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${content.length} >>\nstream\n${content.toString('latin1')}\nendstream`,
    // Text strings outside a content stream are PDFDocEncoding, not WinAnsi (0x96 would read as Œ): UTF-16BE.
    `<< /Title <${utf16(fromWinAnsi(title))}> /Producer (fastify-downloads examples) >>`
  ]
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n'
  const offsets = objects.map((body, i) => {
    const offset = Buffer.byteLength(out, 'latin1')
    out += `${i + 1} 0 obj\n${body}\nendobj\n`
    return offset
  })
  const xref = Buffer.byteLength(out, 'latin1')
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
  out += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info ${objects.length} 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, 'latin1')
}

/** An 8-bit RGB PNG drawn by `pixel(x, y) -> [r, g, b]`. */
function png (width, height, pixel) {
  const raw = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1) // each row starts with filter type 0
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), row + 1 + x * 3)
  }
  const chunk = (type, data) => {
    const head = Buffer.alloc(8)
    head.writeUInt32BE(data.length, 0)
    head.write(type, 4, 'latin1')
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
    return Buffer.concat([head, data, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 2, 0, 0, 0], 8) // bit depth 8, colour type RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))
  ])
}

// A small bar chart: five bars on a light background with a baseline.
const bars = [0.45, 0.7, 0.55, 0.9, 0.65]
const colours = [[0x2b, 0x6c, 0xb0], [0x38, 0xa1, 0x69], [0xd6, 0x9e, 0x2e], [0xc5, 0x30, 0x30], [0x80, 0x5a, 0xd5]]
const chart = png(320, 200, (x, y) => {
  if (y === 180 && x >= 20 && x < 300) return [0x33, 0x33, 0x33]
  const i = Math.floor((x - 30) / 56)
  const inBar = i >= 0 && i < bars.length && (x - 30) % 56 < 40
  if (inBar && y < 180 && y >= 180 - Math.round(bars[i] * 160)) return colours[i]
  return [0xf7, 0xf7, 0xf2]
})

await writeFile(new URL('guide.pdf', files), pdf('fastify-downloads', [
  'A small PDF bundled with the demo.',
  'Open it with "View" to see it inline, or "Download" to save it.'
]))
await writeFile(new URL('Résumé – 2026 ✓.pdf', files), pdf('R\xe9sum\xe9 \x96 2026', [
  'A file whose name is not ASCII: the browser saves it under its exact name,',
  'from the filename* parameter of Content-Disposition (RFC 6266, RFC 8187).'
]))
await writeFile(new URL('chart.png', files), chart)
await writeFile(new URL('notes.txt', files), [
  'Notes about the demo',
  '====================',
  '',
  '* Every file here is served by reply.download() or reply.inline().',
  '* Ranges work: try curl -r 0-99 on any of them, or resume with curl -C -.',
  '* UTF-8 text stays UTF-8: naïve café, Ελληνικά, 日本語, ✓.',
  ''
].join('\n'))
await writeFile(new URL('unsafe.html', files), `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sandboxed page</title>
</head>
<body>
<h1 id="status">Scripts did not run: the sandbox held.</h1>
<p>This page was uploaded by someone you do not trust. It tries to run script, which would change the
heading above, the page title, and call back to the server. Viewed inline through fastify-downloads,
it gets <code>Content-Security-Policy: sandbox</code>, so none of that happens.</p>
<script>
  document.title = 'pwned'
  document.getElementById('status').textContent = 'Script ran: the sandbox did not hold.'
  fetch('/beacon?from=script').catch(() => {})
</script>
<img src="missing.png" alt="" onerror="fetch('/beacon?from=onerror')">
</body>
</html>
`)
