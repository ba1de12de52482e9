// Reads a V8 .cpuprofile (node --cpu-prof) and lists the functions with the most self time.
import { readFileSync } from 'node:fs'

export function topFunctions (file, limit = 20) {
  const profile = JSON.parse(readFileSync(file, 'utf8'))
  const total = profile.samples?.length ?? profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0)
  const byFunction = new Map()
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame
    const where = url ? `${url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, 'node_modules/')}:${lineNumber + 1}` : ''
    const key = `${functionName || '(anonymous)'} ${where}`.trim()
    byFunction.set(key, (byFunction.get(key) ?? 0) + (node.hitCount ?? 0))
  }
  return [...byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([fn, hits]) => ({ fn, selfPercent: Math.round((hits / total) * 1000) / 10 }))
}
