// Reads a V8 .cpuprofile (node --cpu-prof) and lists where the busy time went: by function and by module
// (idle time left out: the server idles while the other contenders are measured).
import { readFileSync } from 'node:fs'

function moduleOf (url) {
  if (!url) return '(native / V8)'
  const path = url.replace(/^file:\/\//, '')
  const dist = path.indexOf('/dist/lib/')
  if (dist >= 0) return 'fastify-downloads ' + path.slice(dist + 1)
  const nm = path.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const parts = path.slice(nm + 13).split('/')
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]
  }
  if (path.startsWith('node:')) return 'node core'
  return path
}

export function topFunctions (file, limit = 25) {
  const profile = JSON.parse(readFileSync(file, 'utf8'))
  const byFunction = new Map()
  const byModule = new Map()
  let busy = 0
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame
    const hits = node.hitCount ?? 0
    if (functionName === '(idle)' || hits === 0) continue
    busy += hits
    const where = url ? `${url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '').replace(/^.*\/dist\/lib\//, 'dist/lib/')}:${lineNumber + 1}` : ''
    const key = `${functionName || '(anonymous)'} ${where}`.trim()
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits)
    const mod = moduleOf(url)
    byModule.set(mod, (byModule.get(mod) ?? 0) + hits)
  }
  const rank = (map, n) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([fn, hits]) => ({ fn, selfPercent: Math.round((hits / busy) * 1000) / 10 }))
  return { busySamples: busy, functions: rank(byFunction, limit), modules: rank(byModule, 15) }
}
