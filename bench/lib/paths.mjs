// Where the runner's files are and where the servers listen. Resolved from
// this file's place, bench/lib/, so every path here is under bench/.
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const BENCH = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
export const ROOT = path.dirname(BENCH)
export const SERVERS_DIR = path.join(BENCH, 'servers')
export const RESULTS_DIR = path.join(BENCH, 'results')
export const HOST = '127.0.0.1'
export const require = createRequire(import.meta.url)
