// Request rules for Cloud Firewalls (POST/PUT /networking/firewalls, PUT …/rules, POST …/devices),
// from the spec's Firewall, FirewallRuleConfig and FirewallDevices objects. Every problem is
// reported at once, as {field, reason} with status 400; fields of rules are named by their path
// (`rules.inbound[0].ports`).
import { badRequest, type LinodeFieldError } from './errors';
import { labelProblem } from './validation';
import * as msg from './messages';
import type { FirewallRule, FirewallRules } from './state';

const POLICIES = ['ACCEPT', 'DROP'] as const;
const PROTOCOLS = ['TCP', 'UDP', 'ICMP', 'IPENCAP', 'ALL'] as const;
const MAX_RULES = 25;
const MAX_PORT_PIECES = 15;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The spec's firewall label: like a Linode label, but 3-32 characters. */
export function firewallLabelProblem(label: string): string | undefined {
  if (label.length < 3 || label.length > 32) return msg.FIREWALL_LABEL_LENGTH;
  return labelProblem(label);
}

/** "22, 80, 8000-8080": up to 15 pieces, a range counting twice, ports 1-65535, ranges low-high. */
export function portsProblem(ports: string): string | undefined {
  let pieces = 0;
  for (const part of ports.split(',').map((p) => p.trim())) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
    if (!m) return msg.PORTS_INVALID;
    const low = Number(m[1]);
    const high = m[2] === undefined ? low : Number(m[2]);
    if (low < 1 || high > 65535 || low > high) return msg.PORTS_INVALID;
    pieces += m[2] === undefined ? 1 : 2;
  }
  return pieces > MAX_PORT_PIECES ? msg.PORTS_TOO_MANY : undefined;
}

function isIpv4Network(value: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(value);
  return m !== null && m.slice(1, 5).every((o) => Number(o) <= 255) && (m[5] === undefined || Number(m[5]) <= 32);
}

function isIpv6Network(value: string): boolean {
  const [address, prefix, ...rest] = value.split('/');
  if (rest.length > 0 || (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= 128))) return false;
  return /^[0-9A-Fa-f:]+$/.test(address) && address.includes(':') && (address.match(/::/g) ?? []).length <= 1;
}

function addressList(
  errors: LinodeFieldError[],
  field: string,
  value: unknown,
  family: 'IPv4' | 'IPv6',
): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    errors.push({ field, reason: msg.mustBe('an array of strings') });
    return undefined;
  }
  const valid = family === 'IPv4' ? isIpv4Network : isIpv6Network;
  for (const v of value as string[]) if (!valid(v)) errors.push({ field, reason: msg.invalidRange(family, v) });
  return value as string[];
}

function readRule(errors: LinodeFieldError[], field: string, raw: unknown): FirewallRule | undefined {
  if (!isObject(raw)) {
    errors.push({ field, reason: msg.mustBe('an object') });
    return undefined;
  }
  const count = errors.length;
  if (raw.ruleset !== undefined && raw.ruleset !== null) errors.push({ field, reason: msg.RULESETS_NOT_EMULATED });
  const { action, protocol, ports, label, description, addresses } = raw;
  if (action === undefined) errors.push({ field: `${field}.action`, reason: msg.isRequired('action') });
  else if (!(POLICIES as readonly unknown[]).includes(action))
    errors.push({ field: `${field}.action`, reason: msg.ACTION_VALUES });
  if (protocol === undefined) errors.push({ field: `${field}.protocol`, reason: msg.isRequired('protocol') });
  else if (!(PROTOCOLS as readonly unknown[]).includes(protocol))
    errors.push({ field: `${field}.protocol`, reason: msg.PROTOCOL_VALUES });
  if (ports !== undefined && ports !== null && ports !== '') {
    if (typeof ports !== 'string') errors.push({ field: `${field}.ports`, reason: msg.mustBe('a string') });
    else if (protocol === 'ICMP' || protocol === 'IPENCAP')
      errors.push({ field: `${field}.ports`, reason: msg.PORTS_NOT_ALLOWED });
    else {
      const problem = portsProblem(ports);
      if (problem) errors.push({ field: `${field}.ports`, reason: problem });
    }
  }
  if (label !== undefined && label !== null) {
    const problem = typeof label === 'string' ? firewallLabelProblem(label) : msg.mustBe('a string');
    if (problem) errors.push({ field: `${field}.label`, reason: problem });
  }
  if (description !== undefined && description !== null) {
    if (typeof description !== 'string' || description.length < 1 || description.length > 100)
      errors.push({ field: `${field}.description`, reason: msg.RULE_DESCRIPTION_LENGTH });
  }
  let ipv4: string[] | undefined;
  let ipv6: string[] | undefined;
  if (!isObject(addresses)) errors.push({ field: `${field}.addresses`, reason: msg.ADDRESSES_REQUIRED });
  else {
    ipv4 = addressList(errors, `${field}.addresses.ipv4`, addresses.ipv4, 'IPv4');
    ipv6 = addressList(errors, `${field}.addresses.ipv6`, addresses.ipv6, 'IPv6');
  }
  if (errors.length > count) return undefined;
  return {
    action: action as FirewallRule['action'],
    protocol: protocol as FirewallRule['protocol'],
    ...(typeof ports === 'string' && ports !== '' ? { ports } : {}),
    addresses: { ...(ipv4 ? { ipv4 } : {}), ...(ipv6 ? { ipv6 } : {}) },
    ...(typeof label === 'string' ? { label } : {}),
    ...(typeof description === 'string' ? { description } : {}),
  };
}

function readRuleList(errors: LinodeFieldError[], field: string, raw: unknown): FirewallRule[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    errors.push({ field, reason: msg.mustBe('an array of objects') });
    return [];
  }
  return raw.flatMap((r, i) => readRule(errors, `${field}[${i}]`, r) ?? []);
}

/** A rules object (`rules` of a create, or the body of PUT …/rules); `prefix` names its fields. */
export function readRules(errors: LinodeFieldError[], raw: unknown, prefix: string): FirewallRules | undefined {
  const at = (name: string) => (prefix ? `${prefix}.${name}` : name);
  if (!isObject(raw)) {
    errors.push({ field: prefix || undefined, reason: prefix ? msg.isRequired(prefix) : msg.mustBe('an object') });
    return undefined;
  }
  const count = errors.length;
  const policy = (name: 'inbound_policy' | 'outbound_policy') => {
    const value = raw[name];
    if (value === undefined || value === null) errors.push({ field: at(name), reason: msg.isRequired(name) });
    else if (!(POLICIES as readonly unknown[]).includes(value))
      errors.push({ field: at(name), reason: msg.POLICY_VALUES });
    return value as FirewallRules['inbound_policy'];
  };
  const rules: FirewallRules = {
    inbound: readRuleList(errors, at('inbound'), raw.inbound),
    inbound_policy: policy('inbound_policy'),
    outbound: readRuleList(errors, at('outbound'), raw.outbound),
    outbound_policy: policy('outbound_policy'),
  };
  if (rules.inbound.length + rules.outbound.length > MAX_RULES)
    errors.push({ field: prefix || undefined, reason: msg.TOO_MANY_RULES });
  return errors.length > count ? undefined : rules;
}

/** Throws the 400 when any problem was collected. */
export function throwIfErrors(errors: LinodeFieldError[]): void {
  if (errors.length > 0) throw badRequest(errors.map((e) => (e.field === undefined ? { reason: e.reason } : e)));
}
