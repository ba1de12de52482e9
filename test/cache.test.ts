import t from 'tap'
import { mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync, statSync, linkSync } from 'node:fs'
import { join } from 'node:path'
import { makeFixture, startApp } from './helpers/app.js'
import { request } from './helpers/http.js'

const fx = makeFixture()
t.teardown(fx.remove)

// Every change a file can go through between two requests; none may be answered from the old copy or
// the old resolution. 'memory' keeps the bytes (small files); 'resolution' keeps only the real path and
// validators (large files: here every file is over a 4-byte cacheMaxFileSize).
const MODES = [
  { mode: 'memory', syncStat: true, cacheMaxFileSize: undefined },
  { mode: 'memory', syncStat: false, cacheMaxFileSize: undefined },
  { mode: 'resolution', syncStat: true, cacheMaxFileSize: 4 },
  { mode: 'resolution', syncStat: false, cacheMaxFileSize: 4 }
] as const
for (const { mode, syncStat, cacheMaxFileSize } of MODES) {
  const options = cacheMaxFileSize === undefined ? { syncStat } : { syncStat, cacheMaxFileSize }
  const tag = `${mode}-${syncStat}`
  t.test(`never stale (${mode}, syncStat: ${syncStat}): rewrite, same-size rewrite with mtime restored, replace, rename, re-link`, async (t) => {
    const dir = join(fx.root, `cache-${tag}`)
    mkdirSync(dir)
    const { app, base } = await startApp(fx.root, options)
    t.teardown(() => app.close())
    const get = async (name: string): Promise<{ status: number, body: string, etag: string | undefined }> => {
      const res = await request(base, `/files/cache-${tag}/${name}`)
      return { status: res.status, body: res.body.toString(), etag: res.headers.etag }
    }
    const file = join(dir, 'a.txt')

    writeFileSync(file, 'first version')
    t.equal((await get('a.txt')).body, 'first version')
    t.equal((await get('a.txt')).body, 'first version', 'now from the cache')
    t.ok(app.downloadsCache.hits >= 1, 'the second request was a cache hit')

    writeFileSync(file, 'second version, longer')
    t.equal((await get('a.txt')).body, 'second version, longer', 'rewritten in place')

    const before = statSync(file)
    writeFileSync(file, 'SECOND VERSION, LONGER')
    utimesSync(file, before.atime, before.mtime)
    const sameSize = await get('a.txt')
    t.equal(sameSize.body, 'SECOND VERSION, LONGER', 'same size and mtime put back: ctime still tells')

    writeFileSync(join(dir, 'a.tmp'), 'replaced by rename')
    renameSync(join(dir, 'a.tmp'), file)
    t.equal((await get('a.txt')).body, 'replaced by rename', 'atomically replaced')

    renameSync(file, join(dir, 'moved.txt'))
    t.equal((await get('a.txt')).status, 404, 'renamed away')
    t.equal((await get('moved.txt')).body, 'replaced by rename')

    linkSync(join(dir, 'moved.txt'), file)
    t.equal((await get('a.txt')).body, 'replaced by rename', 'a new hard link')
    writeFileSync(join(dir, 'moved.txt'), 'written through the other link')
    t.equal((await get('a.txt')).body, 'written through the other link', 'changed through another link')

    for (let i = 0; i < 50; i++) {
      writeFileSync(file, `rapid ${i}`)
      const res = await get('a.txt')
      t.equal(res.body, `rapid ${i}`, `rapid change ${i}`)
    }
  })

  t.test(`confinement is re-checked when a cached path changes (${mode}, syncStat: ${syncStat})`, async (t) => {
    const dir = join(fx.root, `swap-${tag}`)
    mkdirSync(join(dir, 'sub'), { recursive: true })
    writeFileSync(join(dir, 'inside.txt'), 'inside')
    writeFileSync(join(dir, 'other.txt'), 'other inside')
    writeFileSync(join(dir, 'sub', 'sibling.txt'), 'the real sub folder')
    symlinkSync('inside.txt', join(dir, 'link.txt'))
    const { app, base } = await startApp(fx.root, options)
    t.teardown(() => app.close())
    const get = (name: string): ReturnType<typeof request> => request(base, `/files/swap-${tag}/${name}`)

    t.equal((await get('link.txt')).body.toString(), 'inside')
    t.equal((await get('link.txt')).body.toString(), 'inside', 'cached')
    unlinkSync(join(dir, 'link.txt'))
    symlinkSync(join(fx.dir, 'outside.txt'), join(dir, 'link.txt'))
    const out = await get('link.txt')
    t.equal(out.status, 403, 'a link re-pointed outside the root')
    t.notOk(out.body.toString().includes('OUTSIDE'), 'no outside byte')

    unlinkSync(join(dir, 'link.txt'))
    symlinkSync('other.txt', join(dir, 'link.txt'))
    t.equal((await get('link.txt')).body.toString(), 'other inside', 'a link re-pointed inside')

    unlinkSync(join(dir, 'link.txt'))
    symlinkSync('../../.env', join(dir, 'link.txt'))
    t.equal((await get('link.txt')).status, 404, 'a link re-pointed at a dotfile')

    t.equal((await get('sub/sibling.txt')).body.toString(), 'the real sub folder')
    renameSync(join(dir, 'sub'), join(dir, 'sub-old'))
    symlinkSync(join(fx.dir, 'files2'), join(dir, 'sub'))
    const swapped = await get('sub/sibling.txt')
    t.equal(swapped.status, 403, 'a folder swapped for a link to outside')
    t.notOk(swapped.body.toString().includes('SIBLING'), 'no outside byte')
    rmSync(join(dir, 'sub'))
  })
}

t.test('the cache is bounded in entries, bytes and file size, and reports its size', async (t) => {
  const dir = join(fx.root, 'bounded')
  mkdirSync(dir)
  for (let i = 0; i < 5; i++) writeFileSync(join(dir, `f${i}.bin`), Buffer.alloc(1000, i))
  writeFileSync(join(dir, 'large.bin'), Buffer.alloc(5000, 9))
  const { app, base } = await startApp(fx.root, { cacheMaxEntries: 3, cacheMaxBytes: 2500, cacheMaxFileSize: 4096 })
  t.teardown(() => app.close())
  for (let i = 0; i < 5; i++) {
    const res = await request(base, `/files/bounded/f${i}.bin`)
    t.same(res.body, Buffer.alloc(1000, i))
  }
  let stats = app.downloadsCache
  t.ok(stats.bytes <= 2500, `bytes ${stats.bytes} within the bound`)
  t.ok(stats.entries <= 3, `entries ${stats.entries} within the bound`)
  t.equal(stats.entries, 2, 'the byte bound holds two 1000-byte files')
  t.same((await request(base, '/files/bounded/large.bin')).body, Buffer.alloc(5000, 9))
  stats = app.downloadsCache
  t.equal(stats.bytes, 2000, 'a file over cacheMaxFileSize is streamed, not cached')
  t.match(stats, { maxBytes: 2500, maxEntries: 3, maxFileSize: 4096 })

  const { app: off, base: offBase } = await startApp(fx.root, { cacheMaxFileSize: 0 })
  t.teardown(() => off.close())
  await request(offBase, '/files/alphabet.txt')
  await request(offBase, '/files/alphabet.txt')
  t.equal(off.downloadsCache.entries, 0, 'cacheMaxFileSize 0 disables it')
})

t.test('cached answers keep every HTTP behaviour: ranges, multipart, 304, HEAD', async (t) => {
  const { app, base } = await startApp(fx.root)
  t.teardown(() => app.close())
  const first = await request(base, '/files/big.bin')
  const cached = await request(base, '/files/big.bin')
  t.same(cached.body, fx.big)
  t.equal(cached.headers.etag, first.headers.etag)
  t.equal(cached.headers['last-modified'], first.headers['last-modified'])
  t.equal(cached.headers['content-length'], String(fx.big.length))
  const part = await request(base, '/files/big.bin', { headers: { range: 'bytes=100-199' } })
  t.same(part.body, fx.big.subarray(100, 200))
  t.equal((await request(base, '/files/big.bin', { headers: { 'if-none-match': first.headers.etag! } })).status, 304)
  const head = await request(base, '/files/big.bin', { method: 'HEAD' })
  t.equal(head.headers['content-length'], String(fx.big.length))
  t.equal(head.body.length, 0)
  t.ok(app.downloadsCache.hits >= 4)
})
