import type { DownloadOptions } from '../types.js'

// The caller may not frame the body: its length and ranges are the plugin's to decide.
const FRAMING = new Set(['content-length', 'content-range', 'transfer-encoding'])

/**
 * The caller's `headers` option as respond() applies it: lower-case names, framing ones dropped.
 * Run once per options object, when the options are resolved, so a request pays only for the copy.
 *
 * @example
 * callerHeaders({ 'X-Report': 'q3', 'Content-Length': 1 }) // { 'x-report': 'q3' }
 */
export function callerHeaders (headers: DownloadOptions['headers']): Record<string, string | number | string[]> | undefined {
  if (headers === undefined) return undefined
  const out: Record<string, string | number | string[]> = {}
  for (const name in headers) {
    const lower = name.toLowerCase()
    if (!FRAMING.has(lower)) out[lower] = headers[name]!
  }
  return Object.freeze(out)
}
