// The checks of the stress suite, in the order they run and are reported.
import { aborts } from './aborts.mjs'
import { emfile } from './emfile.mjs'
import { fuzz } from './fuzz.mjs'
import { gracefulClose } from './graceful-close.mjs'
import { halfCloseCheck } from './half-close.mjs'
import { idleConnections } from './idle-connections.mjs'
import { oversized } from './oversized.mjs'
import { slowBody, slowloris } from './slow-clients.mjs'
import { soak } from './soak.mjs'
import { tlsGarbage } from './tls.mjs'
import { workerCrashes } from './worker-crashes.mjs'

export const CHECKS = [slowloris, slowBody, idleConnections, fuzz, oversized, aborts, soak, gracefulClose, workerCrashes, tlsGarbage, halfCloseCheck, emfile]
