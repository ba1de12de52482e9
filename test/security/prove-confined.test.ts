// The proof that an open descriptor is the confined file, by /proc/self/fd and by the portable second realpath.
import t from 'tap'
import { closeSync, fstatSync, mkdirSync, mkdtempSync, openSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fsError } from '../../lib/errors.js'
import { proveConfined } from '../../lib/path/resolve.js'

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'fdl-prove-')))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const root = join(dir, 'files')
mkdirSync(join(root, 'up'), { recursive: true })
mkdirSync(join(root, '.hidden'))
mkdirSync(join(dir, 'outside'))
writeFileSync(join(root, 'up', 'f.txt'), 'inside')
writeFileSync(join(root, '.hidden', 'f.txt'), 'hidden')
writeFileSync(join(dir, 'outside', 'f.txt'), 'outside')
// What a swap leaves behind: a folder of the path that is now a symlink out of the root.
symlinkSync(join(dir, 'outside'), join(root, 'swapped'))

async function outcome (path: string, viaProc: boolean, dotfiles: 'ignore' | 'deny' | 'allow' = 'ignore'): Promise<string> {
  const fd = openSync(path, 'r')
  try {
    await proveConfined(fd, fstatSync(fd, { bigint: true }), path, { root, dotfiles }, viaProc)
    return 'proven'
  } catch (err) {
    return (err as { code: string }).code
  } finally {
    closeSync(fd)
  }
}

for (const viaProc of [true, false]) {
  const how = viaProc ? '/proc/self/fd' : 'realpath again'
  t.test(`${how}: a file inside the root is proven`, async (t) => {
    t.equal(await outcome(join(root, 'up', 'f.txt'), viaProc), 'proven')
  })
  t.test(`${how}: a file reached through a folder swapped for a symlink out of the root is refused`, async (t) => {
    t.equal(await outcome(join(root, 'swapped', 'f.txt'), viaProc), 'FST_DOWNLOADS_PATH_FORBIDDEN')
  })
  t.test(`${how}: a descriptor that is not the file the path now leads to is refused`, async (t) => {
    // Opened as one file, while the name now leads to another (a rename or swap inside the root between the two).
    const fd = openSync(join(root, 'up', 'f.txt'), 'r')
    try {
      const err = await proveConfined(fd, fstatSync(fd, { bigint: true }), join(root, '.hidden', 'f.txt'), { root, dotfiles: 'allow' }, viaProc)
        .then(() => undefined, (e: { code: string }) => e.code)
      // /proc names the file the descriptor is open on, which is inside: proven; the portable check compares inodes.
      t.equal(err, viaProc ? undefined : 'FST_DOWNLOADS_PATH_FORBIDDEN')
    } finally {
      closeSync(fd)
    }
  })
  t.test(`${how}: the dotfiles policy applies to where the descriptor really is`, async (t) => {
    t.equal(await outcome(join(root, '.hidden', 'f.txt'), viaProc), 'FST_DOWNLOADS_NOT_FOUND')
    t.equal(await outcome(join(root, '.hidden', 'f.txt'), viaProc, 'deny'), 'FST_DOWNLOADS_DOTFILE_DENIED')
    t.equal(await outcome(join(root, '.hidden', 'f.txt'), viaProc, 'allow'), 'proven')
  })
}

t.test('out of descriptors is a transient 503 with Retry-After, not a 500', async (t) => {
  for (const code of ['EMFILE', 'ENFILE']) {
    const err = fsError(Object.assign(new Error(`${code}: too many open files`), { code })) as Error & { statusCode: number, code: string, headers: Record<string, string> }
    t.equal(err.statusCode, 503, code)
    t.equal(err.code, 'FST_DOWNLOADS_UNAVAILABLE', code)
    t.same(err.headers, { 'retry-after': '1' }, code)
    t.notMatch(err.message, /too many open files:/, 'the system message stays in the cause')
  }
})
