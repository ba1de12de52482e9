// Who is measured, how each is started, and which scenarios each cannot serve (n/a, with the reason).
import { existsSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { SCENARIOS } from './scenarios.js'

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')
export const LIBRARY_ENTRY = join(BENCH_DIR, '..', 'dist', 'lib', 'index.js')

function onPath (program) {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'pipe' })
    return true
  } catch {
    return false
  }
}

/** The first interpreter that can import fastapi and uvicorn (PYTHON, then Debian's, then the PATH one). */
export function findPython () {
  for (const py of [process.env.PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean)) {
    try {
      const v = execFileSync(py, ['-c', 'import fastapi, uvicorn, starlette; print(fastapi.__version__, uvicorn.__version__, starlette.__version__)'], { stdio: 'pipe' })
      const [fastapi, uvicorn, starlette] = v.toString().trim().split(' ')
      return { python: py, versions: { fastapi, uvicorn, starlette } }
    } catch {}
  }
  return null
}

function programVersion (cmd, args) {
  try {
    const out = execFileSync(cmd, args, { stdio: 'pipe' })
    return out.toString().trim().split('\n')[0]
  } catch (err) {
    return (String(err.stderr ?? '') + String(err.stdout ?? '')).trim().split('\n')[0] || null
  }
}

const IDIOMATIC_FASTIFY = {
  buffer: 'plain Fastify reply.send(buffer) with the headers set by hand (@fastify/static has no Buffer source)',
  stream: 'plain Fastify reply.send(stream) with the headers set by hand (@fastify/static has no stream source)',
  cleanup: "reply.download + reply.raw 'close' listener (@fastify/static has no cleanup option)"
}

/**
 * @param {{ node: string, previous?: { commit: string, entry: string } | null }} opts node: the binary that runs
 * the Node contenders; previous: an earlier build of the library (--previous), measured as one more contender
 */
export function contenders ({ node, previous = null }) {
  const py = findPython()
  const bare = {
    command: [node, 'servers/fastify-bare.js'],
    readyPath: '/buf1k',
    runtime: 'node',
    optional: true,
    unsupported: Object.fromEntries(SCENARIOS.filter((s) => s.source !== 'buffer' && s.source !== 'stream')
      .map((s) => [s.id, 'Buffer and stream routes only'])),
    notes: {}
  }
  const libraryMissing = existsSync(LIBRARY_ENTRY) ? null : `${LIBRARY_ENTRY} is not built (npm run build at the root)`
  // The ceiling's routes serve small files from memory and nothing else.
  const CEILING_UNSUPPORTED = {
    '100m': 'memory only (files up to 1 MiB)',
    range: 'no ranges',
    multipart: 'no ranges',
    stream: 'no stream source',
    cleanup: 'no cleanup hook',
    changing: 'stat-then-read: not safe against a file replaced in between, so not timed there'
  }
  return [
    {
      id: 'fastify-downloads',
      label: 'fastify-downloads',
      command: [node, 'servers/fastify-downloads.js'],
      runtime: 'node',
      missing: libraryMissing,
      notes: {}
    },
    {
      id: 'fastify-downloads-nocache',
      label: 'fastify-downloads (file cache off)',
      command: [node, 'servers/fastify-downloads.js'],
      env: { DOWNLOADS_CACHE: 'off' },
      runtime: 'node',
      optional: true, // only when named in --contenders
      missing: libraryMissing,
      notes: {}
    },
    {
      id: 'fastify-downloads-previous',
      label: `fastify-downloads at ${previous?.commit ?? '(no --previous)'}`,
      command: [node, 'servers/fastify-downloads.js'],
      env: { DOWNLOADS_ENTRY: previous?.entry ?? '' },
      runtime: 'node',
      optional: true,
      missing: previous === null ? 'no --previous <git ref> given' : null,
      notes: {}
    },
    {
      id: 'fastify-downloads-previous-nocache',
      label: `fastify-downloads at ${previous?.commit ?? '(no --previous)'} (file cache off)`,
      command: [node, 'servers/fastify-downloads.js'],
      env: { DOWNLOADS_ENTRY: previous?.entry ?? '', DOWNLOADS_CACHE: 'off' },
      runtime: 'node',
      optional: true,
      missing: previous === null ? 'no --previous <git ref> given' : null,
      notes: {}
    },
    {
      id: 'fastify-static',
      label: '@fastify/static (as shipped)',
      command: [node, 'servers/fastify-static.js'],
      runtime: 'node',
      baseline: true,
      notes: IDIOMATIC_FASTIFY
    },
    {
      id: 'fastify-static-hwm64k',
      label: '@fastify/static (highWaterMark 65536)',
      command: [node, 'servers/fastify-static.js'],
      env: { HIGH_WATER_MARK: '65536' },
      runtime: 'node',
      notes: IDIOMATIC_FASTIFY
    },
    {
      id: 'fastify-bare',
      // Explanatory: the static rows' Buffer and stream routes in a server with no plugin registered.
      label: 'plain Fastify, no plugin (Buffer and stream routes only)',
      ...bare
    },
    {
      id: 'fastify-bare-with-downloads',
      // Explanatory: the same bare routes with fastify-downloads registered beside them (and unused): what
      // the plugin costs the routes of an app that do not download (its onResponse hook).
      label: 'plain Fastify routes, fastify-downloads registered (unused)',
      ...bare,
      env: { BARE_WITH_DOWNLOADS: '1' }
    },
    {
      id: 'express',
      label: 'Express res.download',
      command: [node, 'servers/express.js'],
      runtime: 'node',
      notes: {
        buffer: "res.attachment().send(buffer)",
        stream: 'res.attachment() + pipeline(stream, res)',
        cleanup: "res.download's callback"
      }
    },
    {
      id: 'fastify-ceiling',
      // Explanatory, not a peer: the same headers and one stat per request, with no plugin code.
      label: 'Fastify + 1 stat + bytes in memory (ceiling, no plugin code)',
      command: [node, 'servers/fastify-ceiling.js'],
      runtime: 'node',
      unsupported: CEILING_UNSUPPORTED,
      notes: {}
    },
    {
      id: 'fastify-ceiling-with-downloads',
      // Explanatory: the ceiling's routes in a process that loaded and registered fastify-downloads (unused):
      // beside the two rows above, splits the plugin's cost into what registering it costs every route
      // (its onResponse hook, the code loaded) and what its own per-request work costs.
      label: 'the ceiling, fastify-downloads registered (unused)',
      command: [node, 'servers/fastify-ceiling.js'],
      env: { CEILING_WITH_DOWNLOADS: '1' },
      runtime: 'node',
      optional: true,
      missing: libraryMissing,
      unsupported: CEILING_UNSUPPORTED,
      notes: {}
    },
    {
      id: 'node-http',
      label: 'node:http + createReadStream (floor)',
      command: [node, 'servers/node-http.js'],
      runtime: 'node',
      unsupported: { multipart: 'the floor does no multipart/byteranges' },
      notes: { cleanup: "res 'close' listener" }
    },
    {
      id: 'nginx',
      label: 'nginx (1 worker, sendfile)',
      command: ['sh', 'servers/nginx.sh'],
      runtime: 'native',
      missing: onPath('nginx') ? null : 'nginx is not installed',
      version: () => programVersion('nginx', ['-v']),
      unsupported: {
        buffer: 'nginx serves files only',
        stream: 'nginx serves files only',
        cleanup: 'nginx has no cleanup hook'
      },
      notes: {}
    },
    {
      id: 'fastapi',
      label: 'FastAPI FileResponse (uvicorn, 1 worker)',
      command: ['sh', 'servers/fastapi.sh'],
      env: py ? { PYTHON: py.python } : {},
      runtime: 'python',
      missing: py ? null : 'no python3 with fastapi and uvicorn',
      version: () => py ? `fastapi ${py.versions.fastapi}, starlette ${py.versions.starlette}, uvicorn ${py.versions.uvicorn}, ${programVersion(py.python, ['--version'])}` : null,
      notes: {
        buffer: 'Response(bytes)',
        stream: 'StreamingResponse(generator) with Content-Length',
        cleanup: 'FileResponse(background=BackgroundTask(fn))'
      }
    }
  ]
}
