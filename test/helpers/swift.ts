// A real OpenStack Swift (Debian's swift-* packages) with its S3 API, for tests that download from an
// S3-compatible store: one account, container, object and proxy server each, on free ports chosen at
// run time, with rings, configuration, devices and logs in one temporary folder removed at the end.
// The processes are swift-server.js's (plain JS, shared with benchmarks/s3.js; how Swift is made to read
// nothing outside that folder, and to go with the test process, is told there); this file is the tap
// side: skip or fail when Swift is missing, stop at teardown, and the signed requests the tests use.
import { createReadStream, statSync } from 'node:fs'
import type { AwsClient } from 'aws4fetch'
import type { Test } from 'tap'
import { inCI } from './clients.js'
import { establishedOnPort, findSwiftPrograms, startSwiftServers, SwiftStartError, SWIFT_INSTALL, type SwiftResponse, type SwiftRequestOptions, type SwiftServers } from './swift-server.js'

export { establishedOnPort, SWIFT_INSTALL, type SwiftResponse, type SwiftRequestOptions }

export interface SwiftStore {
  /** `http://127.0.0.1:<proxyPort>`: S3 requests go path-style to `${endpoint}/${bucket}/${key}`. */
  endpoint: string
  region: 'us-east-1'
  accessKeyId: 'test:tester'
  secretAccessKey: 'testing'
  /** A bucket made for this test, with a random name. */
  bucket: string
  /** The account, container, object and proxy servers' PIDs (each one leads its process group). */
  pids: number[]
  proxyPid: number
  proxyPort: number
  /** The folder holding the configuration, rings, devices and the servers' `<kind>.out`/`<kind>.err` logs. */
  dir: string
  /** Milliseconds the start took: rings, spawns, until all four health checks answered and the bucket existed. */
  startupMs: number
  /** An aws4fetch client with the store's credentials. */
  client: AwsClient
  /** The path-style URL of `key` in the bucket, each `/`-separated segment percent-encoded. */
  url: (key: string) => string
  /** A signed S3 request for `key` (undefined: the bucket), on its own connection (`Connection: close`). */
  request: (key: string | undefined, options?: SwiftRequestOptions) => Promise<SwiftResponse>
  /** A signed PUT; resolves to the ETag header as Swift sent it (quoted). */
  put: (key: string, body: Buffer | string, contentType?: string) => Promise<{ etag: string }>
  /** A signed PUT streaming `file` from disk with its Content-Length (for objects too big for memory). */
  putFile: (key: string, file: string, contentType?: string) => Promise<{ etag: string, size: number }>
  /** A signed DELETE; a key that is not there is no error. */
  remove: (key: string) => Promise<void>
  /**
   * The ESTABLISHED TCP connections whose local port is the proxy's (from /proc/net/tcp and tcp6):
   * the proxy's end of every connection a client holds open to it. The helper's own requests close
   * their connection when they finish, so they do not stay counted.
   */
  connections: () => Promise<number>
  /** Stops the proxy alone (SIGTERM, SIGKILL after a grace period), leaving the storage servers up. */
  stopProxy: () => Promise<void>
  /** Stops every server and removes the folder; registered as the test's teardown, safe to call twice. */
  stop: () => Promise<void>
}

function encodeKey (key: string): string {
  return key.split('/').map(encodeURIComponent).join('/')
}

/**
 * Starts Swift for one test, with a fresh bucket, stopped by the test's teardown. When Swift is not
 * installed the test is skipped (t.plan(0)), or failed under CI; when it does not come up within 30 s
 * the test fails with the servers' log tails. Resolves to undefined in those cases.
 */
export async function startSwift (t: Test): Promise<SwiftStore | undefined> {
  const { programs, missing } = await findSwiftPrograms()
  if (programs === undefined) {
    const message = `swift not installed (${SWIFT_INSTALL})`
    if (inCI) {
      t.fail(`${message}: ${missing.join(', ')} not found on PATH, and CI=true expects .ci/run to install them`)
    } else {
      t.plan(0, message)
    }
    return undefined
  }

  let servers: SwiftServers
  try {
    servers = await startSwiftServers({ programs })
  } catch (err) {
    if (!(err instanceof SwiftStartError)) throw err
    // In the diagnostics rather than the message, which tap folds onto one line.
    t.fail(`swift did not start: ${err.message}`, { logs: err.logs })
    return undefined
  }
  t.teardown(servers.stop)

  const { endpoint, bucket, proxyPort, request: send } = servers
  const url = (key: string): string => `${endpoint}/${bucket}/${encodeKey(key)}`
  const expect = (res: SwiftResponse, what: string, ...ok: number[]): SwiftResponse => {
    if (!ok.includes(res.status)) throw new Error(`${what}: Swift answered ${res.status}: ${res.body.toString('utf8', 0, 2000)}`)
    return res
  }

  return {
    endpoint,
    region: 'us-east-1',
    accessKeyId: 'test:tester',
    secretAccessKey: 'testing',
    bucket,
    pids: servers.pids,
    proxyPid: servers.proxyPid,
    proxyPort,
    dir: servers.dir,
    startupMs: servers.startupMs,
    client: servers.client,
    url,
    request: (key, options = {}) => send(key === undefined ? `${endpoint}/${bucket}` : url(key), options),
    async put (key, body, contentType) {
      const headers: Record<string, string> = contentType === undefined ? {} : { 'content-type': contentType }
      const res = expect(await send(url(key), { method: 'PUT', headers, body }), `PUT ${key}`, 200)
      return { etag: String(res.headers.etag) }
    },
    async putFile (key, file, contentType) {
      const size = statSync(file).size
      const headers: Record<string, string> = contentType === undefined ? {} : { 'content-type': contentType }
      const res = expect(await send(url(key), { method: 'PUT', headers, body: createReadStream(file), length: size }), `PUT ${key} from ${file}`, 200)
      return { etag: String(res.headers.etag), size }
    },
    async remove (key) {
      expect(await send(url(key), { method: 'DELETE' }), `DELETE ${key}`, 204, 404)
    },
    connections: () => establishedOnPort(proxyPort),
    stopProxy: servers.stopProxy,
    stop: servers.stop
  }
}
