/**
 * The process-wide `Manager` behind every `createServer()`: test suites make
 * hundreds of servers, and each is only a listener on this one Mongoose thread.
 * The thread does not keep Node alive; open listeners do.
 */
import { Manager } from '../manager'

let shared: Manager | null = null

export function sharedManager(): Manager {
  if (shared === null || shared.closed) shared = new Manager()
  return shared
}
