// Watching how a download ends over a real socket: a client that leaves after some time or some bytes,
// a wait for a condition, and this process's open descriptors.
import { readdirSync, readlinkSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'

/** Polls until `check` is true or `ms` pass; returns the last value of `check`. */
export async function waitFor (check: () => boolean, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (check()) return true
    await sleep(20)
  }
  return check()
}

/** Sends a GET over a real socket and destroys it after `afterMs`, before any response came. */
export function abortAfterMs (base: string, path: string, afterMs: number, headers: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve) => {
    const req = httpRequest(base + path, { agent: false, headers })
    req.on('error', () => {})
    req.on('response', (res) => res.resume())
    req.end()
    setTimeout(() => { req.destroy(); resolve() }, afterMs)
  })
}

/** Starts a GET, reads about `bytes` of the body, then destroys the connection; resolves with the bytes read. */
export function abortAfterBytes (base: string, path: string, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(base + path, { agent: false }, (res) => {
      let got = 0
      res.on('data', (chunk: Buffer) => {
        got += chunk.length
        if (got >= bytes) {
          req.destroy()
          resolve(got)
        }
      })
      res.on('end', () => resolve(got))
    })
    req.on('error', (err) => { if (!req.destroyed) reject(err) })
    req.end()
  })
}

/** How many of this process's descriptors are open on a path ending in `name` (Linux /proc). */
export function openDescriptors (name: string): number {
  let count = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).endsWith(name)) count++
    } catch {}
  }
  return count
}

