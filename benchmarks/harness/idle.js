// How idle cores wait. On a VM whose cpuidle driver halts at once (haltpoll with guest_halt_poll_ns=0, as
// here), waking the other core is an interrupt through the hypervisor; every response that wakes the
// load generator pays for it on the server core. Holding /dev/cpu_dma_latency at 0 (a PM QoS request,
// released when the file is closed) makes the governor pick the polling state, so wake-ups are cheap.
import { openSync, writeSync, closeSync, readFileSync } from 'node:fs'

const CPUIDLE = '/sys/devices/system/cpu/cpuidle'

function read (path) {
  try { return readFileSync(path, 'utf8').trim() } catch { return null }
}

/** The machine's idle policy as the results record it. */
export function idlePolicy (polling) {
  return {
    cpuidleDriver: read(`${CPUIDLE}/current_driver`),
    cpuidleGovernor: read(`${CPUIDLE}/current_governor_ro`) ?? read(`${CPUIDLE}/current_governor`),
    guestHaltPollNs: read('/sys/module/haltpoll/parameters/guest_halt_poll_ns'),
    pollIdle: polling
  }
}

/** Keeps idle cores polling until release() (or the process exits, which closes the file). */
export function holdPollIdle () {
  let fd
  try {
    fd = openSync('/dev/cpu_dma_latency', 'w')
  } catch (err) {
    throw new Error(`--poll-idle needs write access to /dev/cpu_dma_latency (root): ${err.message}`)
  }
  writeSync(fd, Buffer.alloc(4)) // a 32-bit 0: no exit latency allowed
  return { release: () => closeSync(fd) }
}
