// Which build of the library a run measured: the git commit and a hash of dist/lib (the build can change
// under a long run when someone rebuilds; each repetition records the hash it started with).
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

export function libraryBuild (repoDir) {
  let commit = null
  let dirty = null
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoDir }).toString().trim()
    dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib'], { cwd: repoDir }).toString().trim() !== ''
  } catch {}
  const hash = createHash('sha256')
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (name.endsWith('.js')) hash.update(name).update(readFileSync(path))
    }
  }
  try { walk(join(repoDir, 'dist', 'lib')) } catch { return { commit, libDirty: dirty, distHash: null } }
  return { commit, libDirty: dirty, distHash: hash.digest('hex').slice(0, 12) }
}
