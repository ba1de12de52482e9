// Puts a results table into benchmarks/README.md between <!-- results:KEY --> and <!-- /results:KEY -->,
// so that every figure in the README is one that run.js or memory.js wrote.
import { readFileSync, writeFileSync } from 'node:fs'

export function updateReadme (readmePath, key, markdown) {
  let text
  try { text = readFileSync(readmePath, 'utf8') } catch { return false }
  const open = `<!-- results:${key} -->`
  const close = `<!-- /results:${key} -->`
  const a = text.indexOf(open)
  const b = text.indexOf(close)
  if (a < 0 || b < a) return false
  writeFileSync(readmePath, text.slice(0, a + open.length) + '\n' + markdown.trim() + '\n' + text.slice(b))
  return true
}
