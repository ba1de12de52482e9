// The two clients of the flat-memory runs (memory.js, s3.js): one that reads a big body as fast as it can,
// one that reads it slowly and then leaves.
import http from 'node:http'

/** Reads the whole body of GET `path` as fast as possible, discarding it; `complete` if it had `size` bytes. */
export function fastDownload (port, path, size) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let bytes = 0
      res.on('data', (c) => { bytes += c.length })
      res.on('end', () => {
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9
        resolve({ status: res.statusCode, bytes, seconds, mbPerSecond: bytes / seconds / 1e6, complete: bytes === size })
      })
      res.on('error', reject)
    }).on('error', reject)
  })
}

/** Reads GET `path` at about `rate` bytes/s with pause/resume for `seconds`, then aborts. */
export function slowDownload (port, path, rate, seconds) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now()
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let bytes = 0
      res.on('data', (c) => {
        bytes += c.length
        const elapsed = (Date.now() - t0) / 1000
        if (elapsed >= seconds) {
          req.destroy()
          return resolve({ status: res.statusCode, bytes, seconds: elapsed, mbPerSecond: bytes / elapsed / 1e6, aborted: true })
        }
        const ahead = bytes / rate - elapsed // seconds of reading we are ahead of the target rate
        if (ahead > 0) {
          res.pause()
          setTimeout(() => res.resume(), ahead * 1000)
        }
      })
      res.on('error', () => {})
      res.on('end', () => resolve({ status: res.statusCode, bytes, seconds: (Date.now() - t0) / 1000, aborted: false }))
    })
    req.on('error', (err) => { if (!req.destroyed) reject(err) })
  })
}
