import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'

export interface Response {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

/**
 * One request over a real socket, with the path sent exactly as given (no normalisation of `..`),
 * collecting the whole body.
 */
export function request (base: string, path: string, options: { method?: string, headers?: Record<string, string> } = {}): Promise<Response> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      path,
      method: options.method ?? 'GET',
      headers: options.headers,
      agent: false
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

export interface Part {
  headers: Record<string, string>
  body: Buffer
}

/** Splits a multipart/byteranges body strictly on CRLF delimiters (RFC 9110 section 14.6, RFC 2046). */
export function parseMultipart (body: Buffer, boundary: string): Part[] {
  const text = body.toString('latin1')
  const delimiter = `--${boundary}`
  if (!text.startsWith(delimiter + '\r\n')) throw new Error('body does not start with the delimiter and CRLF')
  if (!text.endsWith(`\r\n${delimiter}--\r\n`)) throw new Error('body does not end with the close delimiter and CRLF')
  const inner = text.slice(delimiter.length + 2, text.length - delimiter.length - 6)
  return inner.split(`\r\n${delimiter}\r\n`).map((chunk) => {
    const split = chunk.indexOf('\r\n\r\n')
    if (split === -1) throw new Error('part without a blank CRLF line after its headers')
    const headers: Record<string, string> = {}
    for (const line of chunk.slice(0, split).split('\r\n')) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    return { headers, body: Buffer.from(chunk.slice(split + 4), 'latin1') }
  })
}
