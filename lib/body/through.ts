import type { Readable, Transform } from 'node:stream'

/**
 * Pipes `source` into `transform` and returns the transform as the body: a source error fails the body,
 * and a body destroyed (the client left, Fastify gave up) destroys the source, so its producer stops.
 */
export function through (source: Readable, transform: Transform): Readable {
  source.once('error', (err) => transform.destroy(err))
  transform.once('close', () => source.destroy())
  return source.pipe(transform)
}
