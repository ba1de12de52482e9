import type { FastifyInstance, RouteOptions } from 'fastify'
import { FILE_NAME_PATTERN, FILE_PATH_PATTERN } from './index.js'

interface SchemaError {
  keyword: string
  instancePath?: string
  params?: Record<string, unknown>
  message?: string
}
type Formatter = (errors: SchemaError[], dataVar: string) => Error

// What a client is told instead of `must match pattern "^(?!\.{1,2}…"`.
const MESSAGES = new Map([
  [FILE_NAME_PATTERN, 'must be a file name: no / or \\, no control characters, not . or ..'],
  [FILE_PATH_PATTERN, 'must be a relative path of file names joined by /: no empty, . or .. segment, no \\ or control characters']
])

/** Fastify's own formatting (lib/context.js), for a route and an app that set none. */
const fastifyFormat: Formatter = (errors, dataVar) =>
  new Error(errors.map((e) => `${dataVar}${e.instancePath ?? ''} ${e.message ?? ''}`).join(', '))

// Fastify keeps an app's schemaErrorFormatter behind a symbol of its own; found by name, so it still applies.
function appFormatter (instance: FastifyInstance): Formatter | undefined {
  for (let o: object | null = instance; o !== null; o = Object.getPrototypeOf(o)) {
    const key = Object.getOwnPropertySymbols(o).find((s) => s.description === 'fastify.schemaErrorFormatter')
    if (key !== undefined) return ((instance as unknown as Record<symbol, Formatter | null>)[key] ?? undefined)
  }
  return undefined
}

function usesOurPatterns (schema: unknown): boolean {
  const text = JSON.stringify(schema) ?? ''
  for (const pattern of MESSAGES.keys()) if (text.includes(JSON.stringify(pattern).slice(1, -1))) return true
  return false
}

/** The params that use FileNameSchema in a route's params schema. */
function fileNameParams (schema: RouteOptions['schema']): string[] {
  const properties = (schema?.params as { properties?: Record<string, { pattern?: unknown }> } | undefined)?.properties
  if (properties === undefined) return []
  return Object.keys(properties).filter((name) => properties[name]?.pattern === FILE_NAME_PATTERN)
}

/**
 * An onRoute hook, run once per route at registration: a route whose schema uses FileNameSchema or
 * FilePathSchema answers a bad param with a sentence saying what a valid one is (still Fastify's 400,
 * still before any file system call; the app's own formatter, if any, gets the sentence too), and a
 * `:param` with FileNameSchema under a router that cuts params at fewer than 255 characters is logged.
 */
export function readableSchemaErrors (this: FastifyInstance, route: RouteOptions): void {
  if (route.schema === undefined || !usesOurPatterns(route.schema)) return
  const next = (route.schemaErrorFormatter as Formatter | undefined) ?? appFormatter(this) ?? fastifyFormat
  route.schemaErrorFormatter = ((errors: SchemaError[], dataVar: string) => next(errors.map((e) => {
    const message = e.keyword === 'pattern' ? MESSAGES.get(e.params?.pattern as string) : undefined
    return message === undefined ? e : { ...e, message }
  }), dataVar)) as RouteOptions['schemaErrorFormatter']

  const limit = maxParamLength(this)
  const params = fileNameParams(route.schema).filter((name) => route.url.includes(`:${name}`))
  // Once per route: Fastify adds a HEAD route for each GET, with the same options.
  if (params.length > 0 && limit < 255 && route.method !== 'HEAD') {
    this.log.warn({ route: route.url, maxParamLength: limit },
      `names over ${limit} characters get 414 before FileNameSchema sees them: set routerOptions: { maxParamLength: 255 }`)
  }
}

function maxParamLength (instance: FastifyInstance): number {
  const config = instance.initialConfig as { routerOptions?: { maxParamLength?: number } }
  return config.routerOptions?.maxParamLength ?? 100
}
