import { isWeak, strongMatch } from '../http/etag.js'
import { parseHttpDate, type Validators } from './preconditions.js'

/**
 * Whether a Range may be honoured under If-Range (RFC 9110 section 13.1.5): only a strong ETag that is
 * current, or a date equal to Last-Modified when that date is itself strong (at least a second older
 * than `now`). Anything else, a weak ETag included, means "send the whole representation".
 */
export function ifRangeAllows (ifRange: string | undefined, validators: Validators, now: number): boolean {
  if (ifRange === undefined) return true
  const value = ifRange.trim()
  if (value.startsWith('"') || value.startsWith('W/')) {
    return validators.etag !== undefined && !isWeak(value) && strongMatch(value, validators.etag)
  }
  const date = parseHttpDate(value)
  const lastModified = validators.lastModified
  return date !== undefined && lastModified !== undefined && date === lastModified && lastModified <= now - 1000
}
