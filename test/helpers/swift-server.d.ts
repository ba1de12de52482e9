// Types of swift-server.js (plain JS, so that benchmarks/s3.js can import it too).
import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import type { AwsClient } from 'aws4fetch'

export declare const SWIFT_INSTALL: 'apt-get install swift swift-proxy swift-account swift-container swift-object'
/** The account and key tempauth is configured with, and the region s3api answers for. */
export declare const CREDENTIALS: Readonly<{ region: 'us-east-1', accessKeyId: 'test:tester', secretAccessKey: 'testing' }>

export interface SwiftResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

export interface SwiftRequestOptions {
  method?: string
  headers?: Record<string, string>
  body?: Buffer | string
  /** Sign with this secret instead of the right one (to see a 403). */
  secretAccessKey?: string
}

export interface SwiftSendOptions extends Omit<SwiftRequestOptions, 'body'> {
  /** A stream needs `length`. */
  body?: Buffer | string | Readable
  /** The Content-Length to send (default: the Buffer's or string's byte length). */
  length?: number
}

/** Absolute paths of the Swift programs. */
export interface SwiftPrograms {
  proxy: string
  account: string
  container: string
  object: string
  ring: string
}

export interface SwiftServers {
  /** `http://127.0.0.1:<proxyPort>`: S3 requests go path-style to `${endpoint}/${bucket}/${key}`. */
  endpoint: string
  /** The bucket made at the start. */
  bucket: string
  /** The account, container, object and proxy servers' PIDs (each one leads its process group). */
  pids: number[]
  proxyPid: number
  proxyPort: number
  /** The folder holding the configuration, rings, devices and the servers' `<kind>.out`/`<kind>.err` logs. */
  dir: string
  /** Milliseconds the start took: rings, spawns, until all four health checks answered and the bucket existed. */
  startupMs: number
  /** An aws4fetch client with CREDENTIALS. */
  client: AwsClient
  /** A request to the URL `target` of the proxy, signed, on its own connection (`Connection: close`). */
  request: (target: string, options?: SwiftSendOptions) => Promise<SwiftResponse>
  /** Stops the proxy alone (SIGTERM, SIGKILL after a grace period), leaving the storage servers up. */
  stopProxy: () => Promise<void>
  /** Stops every server and removes the folder; safe to call twice. */
  stop: () => Promise<void>
}

/** Swift did not come up: `message` says why, `logs` holds the last lines of each server's output. */
export declare class SwiftStartError extends Error {
  constructor (why: string, logs: string)
  logs: string
}

/** The Swift programs on PATH: `programs` when all five are there, else undefined and `missing` names them. */
export declare function findSwiftPrograms (): Promise<{ programs: SwiftPrograms | undefined, missing: string[] }>

/**
 * Starts Swift in a fresh folder of the temporary directory, and makes `bucket` (default: a random
 * `fdl-…` name). Rejects with a SwiftStartError after stopping whatever had started.
 */
export declare function startSwiftServers (options: { programs: SwiftPrograms, bucket?: string }): Promise<SwiftServers>

/** The ESTABLISHED (st 01) sockets in /proc/net/tcp{,6} whose local port is `port`. */
export declare function establishedOnPort (port: number): Promise<number>
