// Names on the wire, shared by workflows, activities, the worker and the CLI: one file a
// concept. Changing any string here changes what running workflows answer to; treat it as an API.
export * from './fleet';
export * from './searchAttributes';
export * from './duration';
export * from './wait';
export * from './status';
export * from './approval';
export * from './nsDeploy';
export * from './zonePlan';
export * from './lbReplacement';
export * from './lbUpdate';
export * from './zonePush';
export * from './fleetAdopt';
export * from './monitor';
export * from './anyStatus';
export * from './shape';
export * from './firewall';
export * from './fleetCreate';
