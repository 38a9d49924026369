export * from './catalog';
export * from './common';
export * from './instance';
export * from './ips';
export * from './firewall';
