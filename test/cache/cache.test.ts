import t from 'tap'
import { mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync, statSync, linkSync } from 'node:fs'
import { join } from 'node:path'
import { request as httpRequest } from 'node:http'
import { makeFixture, startApp } from '../helpers/app.js'
import { request } from '../helpers/http.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { LINGER_MS } from '../../lib/sources/file/descriptor.js'
import { openDescriptors, waitFor } from '../helpers/lifecycle.js'

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

/** A download the client stops reading after its first bytes: the server keeps its response, and its descriptor, open. */
async function holdOpen (base: string, path: string): Promise<() => void> {
  return await new Promise((resolve, reject) => {
    const req = httpRequest(base + path, { agent: false }, (res) => {
      res.once('data', () => {
        res.pause()
        resolve(() => req.destroy())
      })
    })
    req.on('error', reject)
    req.end()
  })
}

// A large file's descriptor is shared by the requests that arrive while another response still reads it.
// That must never outlive the file it was opened on, nor its last reader.
for (const syncStat of [true, false]) {
  t.test(`a descriptor shared by concurrent downloads (syncStat: ${syncStat}): one open, never stale, closed with its last reader`, async (t) => {
    const dir = join(fx.root, `shared-${syncStat}`)
    mkdirSync(dir)
    const SIZE = 16 * 1024 * 1024 // more than loopback socket buffers: a paused client keeps the response open
    const version = (n: number): Buffer => Buffer.alloc(SIZE, n)
    const file = join(dir, 'shared.bin')
    writeFileSync(file, version(1))
    const { app, base } = await startApp(fx.root, { syncStat, cacheMaxFileSize: 1024 })
    t.teardown(() => app.close())
    const path = `/files/shared-${syncStat}/shared.bin`
    const head = async (): Promise<{ status: number, first: number | undefined, etag: string | undefined }> => {
      const res = await request(base, path, { headers: { range: 'bytes=1000-1009' } })
      return { status: res.status, first: res.body[0], etag: res.headers.etag }
    }

    const release = await holdOpen(base, path)
    t.equal(openDescriptors('shared.bin'), 1, 'the held download has the file open')
    const hitsBefore = app.downloadsCache.hits
    const one = await head()
    t.same([one.status, one.first], [206, 1])
    t.equal(app.downloadsCache.hits, hitsBefore + 1, 'answered from the cached resolution')
    t.equal(openDescriptors('shared.bin'), 1, 'and from the held download\'s descriptor, not a second open')

    const before = statSync(file)
    writeFileSync(file, version(2))
    utimesSync(file, before.atime, before.mtime)
    const rewritten = await head()
    t.same([rewritten.status, rewritten.first], [206, 2], 'rewritten in place (same size, mtime put back)')
    t.not(rewritten.etag, one.etag, 'with a new ETag')

    writeFileSync(join(dir, 'next.tmp'), version(3))
    renameSync(join(dir, 'next.tmp'), file)
    t.same((await head()).first, 3, 'replaced by rename')

    const release3 = await holdOpen(base, path)
    renameSync(file, join(dir, 'moved.bin'))
    t.equal((await head()).status, 404, 'renamed away while a download of it is held')
    linkSync(join(dir, 'moved.bin'), file)
    t.same((await head()).first, 3, 're-linked: the same inode again')
    unlinkSync(file)
    writeFileSync(join(dir, 'other.bin'), version(4))
    linkSync(join(dir, 'other.bin'), file)
    t.same((await head()).first, 4, 're-linked to another file')

    release()
    release3()
    t.ok(await waitFor(() => openDescriptors('.bin') === 0 && openDescriptors('.bin (deleted)') === 0),
      'every descriptor closed once its last reader is gone (none kept for later)')
  })
}

t.test('a cached file\'s descriptor lingers a moment after its last reader, then closes; app.close() closes it at once', async (t) => {
  const dir = join(fx.root, 'linger')
  mkdirSync(dir)
  writeFileSync(join(dir, 'linger.bin'), Buffer.alloc(4096, 7))
  const { app, base } = await startApp(fx.root, { cacheMaxFileSize: 1024 })
  const path = '/files/linger/linger.bin'
  t.same((await request(base, path)).body, Buffer.alloc(4096, 7))
  await sleep(LINGER_MS / 4)
  t.equal(openDescriptors('linger.bin'), 1, 'still open just after the response')
  t.ok(await waitFor(() => openDescriptors('linger.bin') === 0), 'closed once idle')

  t.same((await request(base, path, { headers: { range: 'bytes=0-1' } })).body, Buffer.from([7, 7]))
  await app.close()
  t.ok(await waitFor(() => openDescriptors('linger.bin') === 0, LINGER_MS / 2), 'closed with the app, without waiting out the linger')
})
