import { Writable } from 'node:stream'

export interface LogLine {
  level: number
  msg: string
  err?: { message: string }
  [key: string]: unknown
}

/** A pino destination that keeps the parsed lines, for asserting what was logged and at what level. */
export function logCapture (): { stream: Writable, lines: LogLine[] } {
  const lines: LogLine[] = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as LogLine)
      callback()
    }
  })
  return { stream, lines }
}
