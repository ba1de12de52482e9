import { build } from './app.js'

// `npm start` runs this from dist/examples: PORT and HOST choose where it listens, ROOT what it serves
// (a folder of your own; the bundled examples/files by default).
const port = Number(process.env.PORT ?? 3000)
const host = process.env.HOST ?? '127.0.0.1'
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new Error(`PORT must be an integer from 0 to 65535, not ${JSON.stringify(process.env.PORT)}`)
}

const root = process.env.ROOT === undefined || process.env.ROOT === '' ? undefined : process.env.ROOT
const app = await build({ logger: true, root })

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, 'closing')
    app.close().then(() => process.exit(0), (err: unknown) => {
      app.log.error(err)
      process.exit(1)
    })
  })
}

await app.listen({ port, host })
