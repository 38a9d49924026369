// The fleet config: its schema (schema.ts, with the Linode label rules of linodeLabel.ts) and
// the loader (load.ts) that reads a YAML file, checks it and resolves its paths.
export { ConfigError, loadFleetConfig, parseFleetConfig, type ConfigProblem, type FleetConfig } from './load';
export { zoneFiles, zoneNames } from './fleetShape';
