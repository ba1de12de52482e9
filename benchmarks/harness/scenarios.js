// What is measured. Each scenario names the request, the status a correct server answers, and what the
// probe checks before timing, so that a contender answering something else is marked n/a, not timed.
import { KiB, MiB } from './files.js'

export const SCENARIOS = [
  // wrk: cross-check every contender with wrk, so a scenario where autocannon saturates on nginx
  // (small bodies) can be reported from one tool for all of them.
  { id: '1k', title: '1 KiB file', path: '/files/1k.bin', status: 200, bodyBytes: KiB, wrk: true },
  { id: '64k', title: '64 KiB file', path: '/files/64k.bin', status: 200, bodyBytes: 64 * KiB },
  { id: '1m', title: '1 MiB file', path: '/files/1m.bin', status: 200, bodyBytes: MiB },
  { id: '100m', title: '100 MiB file', path: '/files/100m.bin', status: 200, bodyBytes: 100 * MiB },
  {
    id: 'range',
    title: 'Single Range: 64 KiB from the middle of the 100 MiB file',
    path: '/files/100m.bin',
    headers: { range: `bytes=${50 * MiB}-${50 * MiB + 64 * KiB - 1}` },
    status: 206,
    bodyBytes: 64 * KiB
  },
  {
    id: '304',
    title: 'Revalidation: If-None-Match with the ETag fetched first (1 MiB file)',
    path: '/files/1m.bin',
    ifNoneMatch: true,
    status: 304,
    bodyBytes: 0,
    wrk: true
  },
  {
    id: 'multipart',
    title: 'multipart/byteranges: three ranges of the 1 MiB file',
    path: '/files/1m.bin',
    headers: { range: 'bytes=0-1023,4096-5119,-1024' },
    status: 206,
    contentType: /^multipart\/byteranges/
  },
  { id: 'buffer', title: 'Buffer source (64 KiB)', path: '/buf', status: 200, bodyBytes: 64 * KiB, source: 'buffer' },
  // No file system at all: what each HTTP stack costs per request, the ceiling of the 1 KiB file cell.
  { id: 'buffer1k', title: 'Buffer source (1 KiB): the per-request cost of each HTTP stack, no file system', path: '/buf1k', status: 200, bodyBytes: KiB, source: 'buffer', wrk: true },
  { id: 'stream', title: 'Streamed source (64 KiB, 16 KiB chunks, size known)', path: '/stream', status: 200, bodyBytes: 64 * KiB, source: 'stream' },
  { id: 'cleanup', title: 'Download with a cleanup callback (64 KiB file)', path: '/cleanup/64k.bin', status: 200, bodyBytes: 64 * KiB, source: 'cleanup' },
  {
    id: 'changing',
    title: 'A file rewritten every 200 ms: every body checked against its version, Content-Length and ETag',
    path: '/files/changing.bin',
    status: 200,
    verify: 'changing',
    rewriteEveryMs: 200
  }
]
