import contentDispositionHeader from 'content-disposition'

export type DispositionType = 'attachment' | 'inline'

// Characters NFKD leaves whole that have a plain ASCII look-alike; the rest become `_`.
const ASCII_LOOKALIKES: Record<string, string> = {
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2015': '-', '\u2212': '-',
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'",
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"', '\u2033': '"',
  '\u00ab': '"', '\u00bb': '"', '\u2026': '...', '\u00a0': ' ', '\u00df': 'ss', '\u00e6': 'ae', '\u00c6': 'AE',
  '\u0153': 'oe', '\u0152': 'OE', '\u00f8': 'o', '\u00d8': 'O', '\u0142': 'l', '\u0141': 'L', '\u0111': 'd',
  '\u0110': 'D', '\u00fe': 'th', '\u00de': 'Th', '\u00f0': 'd', '\u00d0': 'D', '\u0131': 'i', '\u20ac': 'EUR'
}

// C0, DEL and C1 controls, and the bidirectional overrides that make `evil\u202Efdp.exe` read as `evilexe.pdf`.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/**
 * Makes a file name safe to put in a header and to save under: control characters (CR, LF, NUL, DEL,
 * C1) and bidirectional overrides are dropped, so nothing can inject a header or disguise an extension, and path separators become `_`, as RFC 6266
 * section 4.3 asks recipients to do anyway; a lone surrogate becomes U+FFFD. An empty result becomes `download`.
 */
export function sanitizeFilename (name: string): string {
  // A lone surrogate (JSON.parse and databases produce them) cannot be percent-encoded for `filename*`: U+FFFD.
  const clean = name.toWellFormed().replace(CONTROLS, '').replace(/[/\\]/g, '_').trim()
  return clean === '' || clean === '.' || clean === '..' ? 'download' : clean
}

/**
 * A readable ASCII stand-in for a Unicode file name, for the `filename` parameter that clients
 * without RFC 8187 support read: accents are stripped (`Résumé.pdf` -> `Resume.pdf`), common
 * punctuation gets its ASCII look-alike, and anything else becomes `_`.
 */
export function asciiFallback (name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]/gu, (c) => ASCII_LOOKALIKES[c] ?? '_')
    // `%XX` in the fallback would be percent-decoded by some browsers into another name.
    .replace(/%(?=[0-9A-Fa-f]{2})/g, '_')
    // A mark stripped at either end (`´d.txt`) leaves a space there, which a browser would keep.
    .trim()
}

/**
 * The Content-Disposition value for a download (RFC 6266): `filename` always carries a readable ASCII
 * name, and `filename*=UTF-8''…` (RFC 8187) the exact one when it is not plain ASCII.
 *
 * @example
 * contentDisposition('attachment', 'Résumé.pdf')
 * // attachment; filename="Resume.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf
 */
export function contentDisposition (type: DispositionType, filename: string): string {
  return dispositionOfSafe(type, sanitizeFilename(filename))
}

/** contentDisposition() for a name sanitizeFilename() already returned: the response path sanitises once. */
export function dispositionOfSafe (type: DispositionType, name: string): string {
  return contentDispositionHeader(name, { type, fallback: asciiFallback(name) || 'download' })
}
