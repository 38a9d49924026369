// Every workflow the worker registers. Workflow code only: no I/O, no Node built-ins.
export { durableWait } from './durableWait';
export { nsBlueGreen } from './nsBlueGreen';
export { lbReplacement } from './lbReplacement';
export { lbUpdate } from './lbUpdate';
export { monitorFleet } from './monitorFleet';
export { zonePush } from './zonePush';
export { fleetAdopt } from './fleetAdopt';
export { fleetCreate } from './fleetCreate';
