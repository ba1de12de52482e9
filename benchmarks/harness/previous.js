// An earlier commit of the library, built beside the current one, so one run can measure before and after
// side by side (what an optimisation gained) instead of comparing results files from different days.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Builds `ref` (any git revision) into <repo>/.bench-previous/<sha>/ (kept for the next run) and returns
 * its entry point. It lives under the repository so it imports the same node_modules as dist/ does.
 */
export function buildPrevious (repoDir, ref) {
  const git = (...args) => execFileSync('git', ['-C', repoDir, ...args], { stdio: 'pipe' }).toString().trim()
  const sha = git('rev-parse', '--short', `${ref}^{commit}`)
  const outDir = join(repoDir, '.bench-previous', sha)
  const entry = join(outDir, 'lib', 'index.js')
  if (existsSync(entry)) return { commit: sha, entry }
  const checkout = mkdtempSync(join(tmpdir(), 'fastify-downloads-previous-'))
  rmSync(checkout, { recursive: true })
  git('worktree', 'add', '--detach', checkout, sha)
  try {
    symlinkSync(join(repoDir, 'node_modules'), join(checkout, 'node_modules'))
    // The library only: the examples import the package by name, which a bare checkout cannot resolve.
    writeFileSync(join(checkout, 'tsconfig.previous.json'), JSON.stringify({ extends: './tsconfig.json', include: ['lib'] }))
    execFileSync(join(repoDir, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.previous.json', '--outDir', outDir], { cwd: checkout, stdio: 'pipe' })
  } finally {
    git('worktree', 'remove', '--force', checkout)
  }
  return { commit: sha, entry }
}
