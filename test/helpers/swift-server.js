// A real OpenStack Swift (Debian's swift-* packages) with its S3 API: one account, container, object and
// proxy server each, on free ports chosen at run time, with rings, configuration, devices and logs in one
// temporary folder removed at the end. Plain JS (types in swift-server.d.ts), so that the tap fixture
// (swift.ts) and the benchmarks (benchmarks/s3.js) start it the same way.
//
// Swift 2.30 reads swift.conf from /etc/swift only (the servers' `swift_dir` moves the rings, not
// swift.conf, and there is no environment variable for it), so each server is started through a
// launcher of a few lines of Python that calls swift.common.utils.set_swift_dir(<tmp>) before the
// server's own script runs, with the interpreter named in that script's #! line (not whatever python3
// is first on PATH): nothing outside the temporary folder is read or written. The launcher also sets
// PR_SET_PDEATHSIG, so the servers go when the Node process that started them does, even when it is
// killed before it can stop them; the next start removes a folder left behind that way.
import { spawn, execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { access, constants, readFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { delimiter, join } from 'node:path'
import { AwsClient } from 'aws4fetch'

/** @import { ChildProcess } from 'node:child_process' */
/** @import { Readable } from 'node:stream' */
/** @import { SwiftPrograms, SwiftResponse, SwiftSendOptions, SwiftServers } from './swift-server.js' */

export const SWIFT_INSTALL = 'apt-get install swift swift-proxy swift-account swift-container swift-object'
/** The account and key tempauth is configured with, and the region s3api answers for. */
export const CREDENTIALS = Object.freeze({ region: 'us-east-1', accessKeyId: 'test:tester', secretAccessKey: 'testing' })

/** How long the servers get to answer their health checks and accept the bucket. */
const START_TIMEOUT_MS = 30_000
/** How long a server gets after SIGTERM before its process group is sent SIGKILL. */
const STOP_GRACE_MS = 3_000

const KINDS = /** @type {const} */ (['account', 'container', 'object'])

// Each server runs as `<python> <tmp>/swift-<kind>-server <parent pid> <swift_dir> <server script> <conf> -v`,
// this file being the launcher; -v keeps Swift's log on stderr instead of syslog alone.
const LAUNCHER = `import ctypes, os, runpy, signal, sys
# Swift server launcher written by fastify-downloads' test/helpers/swift-server.js.
# Go with the Node process, even when it is killed before it stops the servers.
ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
if os.getppid() != int(sys.argv[1]):
    sys.exit('the Node process that started this server is gone')
# Swift 2.30 reads /etc/swift/swift.conf unless told otherwise, and only this call tells it.
from swift.common import utils
utils.set_swift_dir(sys.argv[2])
sys.argv = sys.argv[3:]
runpy.run_path(sys.argv[0], run_name='__main__')
`
// argv: <folder>/<kind>:<port>... ; writes <folder>/<kind>.builder and <folder>/<kind>.ring.gz for each.
const RING_BUILDER = `import sys
from swift.common.ring import RingBuilder
for spec in sys.argv[1:]:
    path, port = spec.rsplit(':', 1)
    builder = RingBuilder(8, 1, 1)  # 2^8 partitions, 1 replica, 1 hour between moves
    builder.add_dev({'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': int(port),
                     'replication_ip': '127.0.0.1', 'replication_port': int(port),
                     'device': 'd1', 'weight': 100, 'meta': ''})
    builder.rebalance()
    builder.save(path + '.builder')
    builder.get_ring().save(path + '.ring.gz')
`
const DIR_PREFIX = 'fdl-swift-'

/** Swift did not come up: `message` says why, `logs` holds the last lines of each server's output. */
export class SwiftStartError extends Error {
  /** @param {string} why @param {string} logs */
  constructor (why, logs) {
    super(why)
    this.name = 'SwiftStartError'
    this.logs = logs
  }
}

/** @param {string} name @returns {Promise<string | undefined>} the first executable `name` on PATH */
async function onPath (name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      await access(join(dir, name), constants.X_OK)
      return join(dir, name)
    } catch {}
  }
  return undefined
}

/**
 * The Swift programs on PATH: `programs` when all five are there, else undefined and `missing` names them.
 * @returns {Promise<{ programs: SwiftPrograms | undefined, missing: string[] }>}
 */
export async function findSwiftPrograms () {
  const names = { proxy: 'swift-proxy-server', account: 'swift-account-server', container: 'swift-container-server', object: 'swift-object-server', ring: 'swift-ring-builder' }
  /** @type {Record<string, string | undefined>} */
  const found = {}
  for (const [kind, name] of Object.entries(names)) found[kind] = await onPath(name)
  const missing = Object.entries(names).filter(([kind]) => found[kind] === undefined).map(([, name]) => name)
  return { programs: missing.length === 0 ? /** @type {SwiftPrograms} */ (found) : undefined, missing }
}

/**
 * Removes the folders of earlier runs whose Node process died before it stopped its servers (they went
 * with it, through PR_SET_PDEATHSIG). A folder names its owner in `owner.pid`.
 */
function sweepStale () {
  let names
  try {
    names = readdirSync(tmpdir()).filter((name) => name.startsWith(DIR_PREFIX))
  } catch {
    return
  }
  for (const name of names) {
    const dir = join(tmpdir(), name)
    try {
      const owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'))
      if (!Number.isInteger(owner) || owner <= 0 || processAlive(owner)) continue
      rmSync(dir, { recursive: true, force: true })
    } catch {}
  }
}

/** @param {number} pid */
function processAlive (pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM'
  }
}

/** Free ports on 127.0.0.1, distinct: all are held until all are chosen. @param {number} count */
async function freePorts (count) {
  const servers = []
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer()
      servers.push(server)
      await new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, '127.0.0.1', () => resolve(undefined))
      })
    }
    return servers.map((server) => /** @type {import('node:net').AddressInfo} */ (server.address()).port)
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
  }
}

/** @param {string} file @param {string[]} args @returns {Promise<{ code: number, output: string }>} */
function execFileText (file, args) {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1
      resolve({ code, output: `${stdout}${stderr}` })
    })
  })
}

/** The interpreter and its arguments from a script's #! line. @param {string} script */
function interpreterOf (script) {
  const first = readFileSync(script, 'latin1').split('\n', 1)[0] ?? ''
  if (!first.startsWith('#!')) throw new Error(`${script} has no #! line`)
  return first.slice(2).trim().split(/\s+/)
}

/** @param {number} ms */
function sleep (ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Whether a live process is left in process group `pgid`. Zombies do not count: a worker whose parent
 * is gone waits for PID 1 to reap it, and in a container that PID 1 may never do so.
 * @param {number} pgid
 */
function groupAlive (pgid) {
  let pids
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return processAlive(-pgid)
  }
  for (const pid of pids) {
    let stat
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    } catch {
      continue
    }
    // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true
  }
  return false
}

/** @param {number} pgid @param {NodeJS.Signals} signal */
function signalGroup (pgid, signal) {
  try {
    process.kill(-pgid, signal)
  } catch {}
}

/** SIGTERM to the server's process group (its workers too), SIGKILL after the grace period. @param {ChildProcess} child */
async function stopServer (child) {
  const pid = child.pid
  if (pid === undefined) return
  const exited = child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve(undefined)))
  if (!groupAlive(pid)) return await exited
  signalGroup(pid, 'SIGTERM')
  const deadline = Date.now() + STOP_GRACE_MS
  while (groupAlive(pid) && Date.now() < deadline) await sleep(25)
  if (groupAlive(pid)) {
    signalGroup(pid, 'SIGKILL')
    const killDeadline = Date.now() + STOP_GRACE_MS
    while (groupAlive(pid) && Date.now() < killDeadline) await sleep(10)
  }
  await exited
}

/** Last lines of each server's stderr and stdout, for a failure message. @param {string} dir @param {string[]} started */
function logTails (dir, started, lines = 15) {
  const out = []
  for (const kind of started) {
    for (const stream of ['err', 'out']) {
      let text = ''
      try {
        text = readFileSync(join(dir, `${kind}.${stream}`), 'utf8')
      } catch {}
      const tail = text.trimEnd().split('\n').slice(-lines).join('\n')
      if (tail !== '') out.push(`--- ${kind}-server ${stream === 'err' ? 'stderr' : 'stdout'} (last ${lines} lines)\n${tail}`)
    }
  }
  return out.join('\n')
}

/** @param {number} port @param {string} path @returns {Promise<number>} the status */
function get (port, path) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false, timeout: 2_000 }, (res) => {
      res.resume()
      res.on('end', () => resolve(/** @type {number} */ (res.statusCode)))
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', reject)
    req.end()
  })
}

/** The ESTABLISHED (st 01) sockets in /proc/net/tcp{,6} whose local port is `port`. @param {number} port */
export async function establishedOnPort (port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  let count = 0
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text
    try {
      text = await readFile(table, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      if (fields.length < 4) continue
      if (fields[3] === '01' && fields[1]?.split(':')[1] === hexPort) count++
    }
  }
  return count
}

/**
 * swift.conf and each server's configuration, by file name.
 * @param {Record<'account' | 'container' | 'object', number>} ports @param {number} proxyPort @param {number} memcachePort @param {string} dir
 */
function configFiles (ports, proxyPort, memcachePort, dir) {
  const suffix = randomBytes(8).toString('hex')
  const common = (/** @type {number} */ port) => `[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port}
workers = 1
user = ${userInfo().username}
swift_dir = ${dir}
devices = ${join(dir, 'srv')}
mount_check = false
recon_cache_path = ${join(dir, 'cache')}
log_level = INFO
`
  /** @type {Record<string, string>} */
  const files = {
    'swift.conf': `[swift-hash]
swift_hash_path_suffix = ${suffix}
swift_hash_path_prefix = ${suffix}

[storage-policy:0]
name = gold
default = yes
`
  }
  for (const kind of KINDS) {
    files[`${kind}-server.conf`] = `${common(ports[kind])}
[pipeline:main]
pipeline = healthcheck ${kind}-server

[app:${kind}-server]
use = egg:swift#${kind}

[filter:healthcheck]
use = egg:swift#healthcheck
`
  }
  // The cache filter is required (tempauth refuses to work without a memcache client); it points at a
  // port nothing listens on, so Swift degrades to no caching and instances never share a memcached.
  files['proxy-server.conf'] = `${common(proxyPort)}
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:${memcachePort}

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:s3api]
use = egg:swift#s3api
location = ${CREDENTIALS.region}

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = ${CREDENTIALS.secretAccessKey} .admin

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo
`
  return files
}

/**
 * Starts Swift in a fresh folder of the temporary directory, and makes `bucket` (default: a random
 * `fdl-…` name). Resolves once each server answers its health check and the bucket exists; rejects with
 * a SwiftStartError (with the servers' log tails) when that takes over 30 s or a server exits, after
 * stopping whatever had started and removing the folder.
 * @param {{ programs: SwiftPrograms, bucket?: string }} options
 * @returns {Promise<SwiftServers>}
 */
export async function startSwiftServers ({ programs, bucket = `fdl-${randomBytes(6).toString('hex')}` }) {
  sweepStale()
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX))
  writeFileSync(join(dir, 'owner.pid'), String(process.pid))
  /** @type {Map<string, ChildProcess>} */
  const children = new Map()
  /** @type {Promise<void> | undefined} */
  let stopped
  const stop = () => {
    stopped ??= (async () => {
      await Promise.all([...children.values()].map(stopServer))
      rmSync(dir, { recursive: true, force: true })
    })()
    return stopped
  }
  try {
    return await start({ programs, bucket, dir, children, stop, stopping: () => stopped !== undefined })
  } catch (err) {
    await stop()
    throw err
  }
}

/**
 * The start itself: configuration, rings, the four servers, health checks, the bucket. Throws a
 * SwiftStartError; startSwiftServers() then stops what it began.
 * @param {{ programs: SwiftPrograms, bucket: string, dir: string, children: Map<string, ChildProcess>,
 *   stop: () => Promise<void>, stopping: () => boolean }} state
 * @returns {Promise<SwiftServers>}
 */
async function start ({ programs, bucket, dir, children, stop, stopping }) {
  const fail = (/** @type {string} */ why) => new SwiftStartError(why, logTails(dir, [...children.keys()]))
  const started = Date.now()
  const [accountPort, containerPort, objectPort, proxyPort, memcachePort] = await freePorts(5)
  const ports = { account: accountPort, container: containerPort, object: objectPort }
  mkdirSync(join(dir, 'srv', 'd1'), { recursive: true })
  mkdirSync(join(dir, 'cache'))
  for (const [name, text] of Object.entries(configFiles(ports, proxyPort, memcachePort, dir))) writeFileSync(join(dir, name), text)

  // Rings: what `swift-ring-builder <kind>.builder create 8 1 1`, `add r1z1-127.0.0.1:<port>/d1 100` and
  // `rebalance` do, in one interpreter instead of nine (which took 4 of the 7 seconds a start takes).
  const [ringPython, ...ringPythonArgs] = interpreterOf(programs.ring)
  const rings = await execFileText(ringPython, [...ringPythonArgs, '-c', RING_BUILDER, ...KINDS.map((kind) => `${join(dir, kind)}:${ports[kind]}`)])
  if (rings.code !== 0) throw fail(`building the rings failed (exit ${rings.code}): ${rings.output}`)
  for (const kind of KINDS) {
    try {
      statSync(join(dir, `${kind}.ring.gz`))
    } catch {
      throw fail(`no ${kind}.ring.gz was written: ${rings.output}`)
    }
  }

  /** @type {string | undefined} */
  let exitedEarly
  for (const kind of [...KINDS, 'proxy']) {
    const script = programs[/** @type {keyof SwiftPrograms} */ (kind)]
    const [python, ...pythonArgs] = interpreterOf(script)
    const launcher = join(dir, `swift-${kind}-server`)
    writeFileSync(launcher, LAUNCHER)
    const out = openSync(join(dir, `${kind}.out`), 'w')
    const err = openSync(join(dir, `${kind}.err`), 'w')
    let child
    try {
      child = spawn(python, [...pythonArgs, launcher, String(process.pid), dir, script, join(dir, `${kind}-server.conf`), '-v'], {
        cwd: dir,
        detached: true, // its own process group, so a stop reaches the workers it forks
        stdio: ['ignore', out, err]
      })
    } finally {
      closeSync(out)
      closeSync(err)
    }
    child.on('error', (e) => { exitedEarly ??= `${kind}-server: ${e.message}` })
    child.on('exit', (code, signal) => {
      if (!stopping()) exitedEarly ??= `${kind}-server exited (${signal ?? code})`
    })
    children.set(kind, child)
  }
  const pids = [...children.values()].map((child) => /** @type {number} */ (child.pid))
  const proxy = /** @type {ChildProcess} */ (children.get('proxy'))

  const endpoint = `http://127.0.0.1:${proxyPort}`
  const { region, accessKeyId, secretAccessKey } = CREDENTIALS
  const client = new AwsClient({ accessKeyId, secretAccessKey, service: 's3', region })

  /** @param {string} target @param {SwiftSendOptions} options @returns {Promise<SwiftResponse>} */
  const request = async (target, options = {}) => {
    const signer = options.secretAccessKey === undefined
      ? client
      : new AwsClient({ accessKeyId, secretAccessKey: options.secretAccessKey, service: 's3', region })
    const method = options.method ?? 'GET'
    const signed = await signer.sign(target, { method, headers: options.headers ?? {} })
    /** @type {Record<string, string>} */
    const headers = {}
    signed.headers.forEach((value, name) => { headers[name] = value })
    const body = options.body
    if (body !== undefined) headers['content-length'] = String(options.length ?? Buffer.byteLength(/** @type {Buffer | string} */ (body)))
    const { pathname, search } = new URL(target)
    return await new Promise((resolve, reject) => {
      // agent: false, so a connection closes when its request ends (connections() counts no helper's).
      const req = httpRequest({ host: '127.0.0.1', port: proxyPort, method, path: pathname + search, headers, agent: false }, (res) => {
        /** @type {Buffer[]} */
        const chunks = []
        res.on('data', (chunk) => chunks.push(chunk))
        res.on('end', () => resolve({ status: /** @type {number} */ (res.statusCode), headers: res.headers, body: Buffer.concat(chunks) }))
        res.on('error', reject)
      })
      req.on('error', reject)
      if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
        req.end(body)
      } else {
        body.on('error', (e) => req.destroy(e))
        body.pipe(req)
      }
    })
  }

  // Up means: each server answers its health check, and the bucket is made.
  for (;;) {
    if (exitedEarly !== undefined) throw fail(exitedEarly)
    if (Date.now() - started > START_TIMEOUT_MS) throw fail(`no answer from all four health checks within ${START_TIMEOUT_MS / 1000} s`)
    const statuses = await Promise.all([...KINDS.map((kind) => ports[kind]), proxyPort].map((port) => get(port, '/healthcheck').catch(() => 0)))
    if (statuses.every((status) => status === 200)) break
    await sleep(100)
  }
  for (;;) {
    const res = await request(`${endpoint}/${bucket}`, { method: 'PUT' }).catch((e) => ({ status: 0, headers: {}, body: Buffer.from(e.message) }))
    if (res.status === 200) break
    if (exitedEarly !== undefined) throw fail(exitedEarly)
    if ((res.status !== 0 && res.status < 500) || Date.now() - started > START_TIMEOUT_MS) {
      throw fail(`PUT /${bucket} answered ${res.status}: ${res.body.toString('utf8', 0, 2000)}`)
    }
    await sleep(200)
  }

  return {
    endpoint,
    bucket,
    pids,
    proxyPid: /** @type {number} */ (proxy.pid),
    proxyPort,
    dir,
    startupMs: Date.now() - started,
    client,
    request,
    stopProxy: () => stopServer(proxy),
    stop
  }
}
