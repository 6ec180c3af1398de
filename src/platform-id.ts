/**
 * Which binary a machine needs, named as napi-rs names its platform packages
 * and `.node` files (`linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`).
 */

/** What decides which binary a machine needs. */
export interface Machine {
  platform: string
  arch: string
  /** Linux only: which C library Node runs on. */
  libc?: 'gnu' | 'musl'
  /** The glibc version Node runs on, when it is glibc. */
  glibc?: string
}

/** The machine this process runs on (read each call, so tests can fake it). */
export function currentMachine(): Machine {
  const machine: Machine = { platform: process.platform, arch: process.arch }
  if (machine.platform === 'linux') {
    // Node's report names the glibc it runs on; a musl build of Node has none.
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
    machine.libc = header?.glibcVersionRuntime ? 'gnu' : 'musl'
    if (header?.glibcVersionRuntime) machine.glibc = header.glibcVersionRuntime
  }
  return machine
}

/** napi-rs's name for a machine (the suffix of its platform package and `.node` file). */
export function platformId(m: Machine): string {
  if (m.platform === 'linux') {
    const libc = m.libc ?? 'gnu'
    return m.arch === 'arm' ? `linux-arm-${libc}eabihf` : `linux-${m.arch}-${libc}`
  }
  if (m.platform === 'win32') return `win32-${m.arch}-msvc`
  return `${m.platform}-${m.arch}`
}

const CPU_TO_ARCH: Record<string, string> = { x86_64: 'x64', aarch64: 'arm64', i686: 'ia32', armv7: 'arm', riscv64gc: 'riscv64', powerpc64le: 'ppc64', loongarch64: 'loong64' }
const SYS_TO_PLATFORM: Record<string, string> = { windows: 'win32', darwin: 'darwin', linux: 'linux', freebsd: 'freebsd', android: 'android' }

/** napi-rs's id for a Rust target triple: `aarch64-unknown-linux-musl` is `linux-arm64-musl`. */
export function tripleToId(triple: string): string {
  const [cpu, , sys, abi] = triple.split('-')
  const platform = SYS_TO_PLATFORM[sys] ?? sys
  const arch = CPU_TO_ARCH[cpu] ?? cpu
  return abi ? `${platform}-${arch}-${abi}` : `${platform}-${arch}`
}

/**
 * The platform ids of a list of Rust target triples, e.g. package.json's
 * `napi.targets`: the platforms mgnode publishes a package for. (The main
 * package's optionalDependencies on them are added at publish time, so a
 * checkout does not list them.)
 */
export function supportedIds(targets: readonly string[]): string[] {
  return targets.map(tripleToId)
}
