// Request validation for instance create and update, with Linode's rules from the OpenAPI
// spec 4.189.0 (POST/PUT /linode/instances) and its error shape: every problem found is
// reported at once as {field, reason}, status 400.
import { badRequest, type LinodeFieldError } from './errors';
import { findImage, findRegion, findType } from './catalog';
import * as msg from './messages';

export interface CreateLinodeRequest {
  region: string;
  type: string;
  label?: string;
  image?: string;
  root_pass?: string;
  authorized_keys: string[];
  authorized_users: string[];
  booted: boolean;
  private_ip: boolean;
  tags: string[];
  group: string;
  /** base64, validated */
  user_data?: string;
  /** Checked by the caller against the account's firewalls. */
  firewall_id?: number;
}

export interface UpdateLinodeRequest {
  label?: string;
  tags?: string[];
  group?: string;
  watchdog_enabled?: boolean;
  alerts?: Partial<Record<'cpu' | 'io' | 'network_in' | 'network_out' | 'transfer_quota', number>>;
}

/** Is `label` already used by another instance (case-insensitive)? */
export type LabelTaken = (label: string, exceptId?: number) => boolean;

/** Fields the real API accepts that the lab cannot honour: refused rather than ignored. */
const UNSUPPORTED_CREATE_FIELDS = ['stackscript_id', 'backup_id', 'interfaces', 'placement_group'];

const MAX_USER_DATA_BYTES = 65535;

/** The spec's label rules; returns the first rule broken, or undefined. */
export function labelProblem(label: string): string | undefined {
  if (label.length < 3 || label.length > 64) return msg.LABEL_LENGTH;
  if (!/^[A-Za-z]/.test(label)) return msg.LABEL_FIRST_CHAR;
  if (!/^[A-Za-z0-9._-]+$/.test(label)) return msg.LABEL_CHARSET;
  if (/--|__|\.\./.test(label)) return msg.LABEL_REPEATS;
  // The spec's description (not its pattern) also asks for an alphanumeric last character.
  if (!/[A-Za-z0-9]$/.test(label)) return msg.LABEL_LAST_CHAR;
  return undefined;
}

/**
 * Stand-in for the API's internal strength score (the spec only says one exists): at least
 * three of lower case, upper case, digits and symbols, or 16+ characters of at least two.
 */
export function isStrongPassword(password: string): boolean {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  return classes >= 3 || (password.length >= 16 && classes >= 2);
}

export function base64Problem(value: string): string | undefined {
  if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return msg.USER_DATA_NOT_BASE64;
  if (Buffer.from(value, 'base64').length > MAX_USER_DATA_BYTES) return msg.USER_DATA_TOO_LARGE;
  return undefined;
}

/** Collects typed fields and errors from an untyped JSON body. */
export class FieldReader {
  readonly errors: LinodeFieldError[] = [];

  constructor(private readonly body: Record<string, unknown>) {}

  has(field: string): boolean {
    return this.body[field] !== undefined && this.body[field] !== null;
  }

  fail(field: string | undefined, reason: string): undefined {
    this.errors.push(field === undefined ? { reason } : { field, reason });
    return undefined;
  }

  string(field: string): string | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') return this.fail(field, msg.mustBe('a string'));
    return value;
  }

  boolean(field: string): boolean | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') return this.fail(field, msg.mustBe('a boolean'));
    return value;
  }

  strings(field: string): string[] | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      return this.fail(field, msg.mustBe('an array of strings'));
    }
    return value as string[];
  }

  object(field: string): Record<string, unknown> | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) return this.fail(field, msg.mustBe('an object'));
    return value as Record<string, unknown>;
  }

  integer(field: string): number | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) return this.fail(field, msg.mustBe('an integer'));
    return value;
  }

  label(labelTaken: LabelTaken, exceptId?: number): string | undefined {
    const label = this.string('label');
    if (label === undefined) return undefined;
    const problem = labelProblem(label);
    if (problem) this.fail('label', problem);
    else if (labelTaken(label, exceptId)) this.fail('label', msg.LABEL_NOT_UNIQUE);
    return label;
  }

  tags(): string[] | undefined {
    const tags = this.strings('tags');
    if (tags?.some((t) => t.length < 3 || t.length > 50)) this.fail('tags', msg.TAG_LENGTH);
    return tags && [...new Set(tags)];
  }
}

export function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest([{ reason: msg.mustBe('an object') }]);
  }
  return body as Record<string, unknown>;
}

export function validateCreate(body: unknown, labelTaken: LabelTaken): CreateLinodeRequest {
  const r = new FieldReader(asObject(body));

  for (const field of UNSUPPORTED_CREATE_FIELDS) {
    if (r.has(field)) r.fail(field, `${field} is not supported by the lab emulator`);
  }

  const region = r.string('region');
  if (region === undefined) r.fail('region', msg.isRequired('region'));
  else if (!findRegion(region)) r.fail('region', msg.REGION_NOT_VALID);

  const type = r.string('type');
  if (type === undefined) r.fail('type', msg.isRequired('type'));
  else if (!findType(type)) r.fail('type', msg.TYPE_NOT_VALID);

  const image = r.string('image');
  if (image !== undefined && !findImage(image)) r.fail('image', msg.IMAGE_NOT_VALID);

  const label = r.label(labelTaken);
  const rootPass = r.string('root_pass');
  const authorizedKeys = r.strings('authorized_keys') ?? [];
  const authorizedUsers = r.strings('authorized_users') ?? [];
  if (rootPass !== undefined) {
    if (rootPass.length < 7 || rootPass.length > 128) r.fail('root_pass', msg.ROOT_PASS_LENGTH);
    else if (!isStrongPassword(rootPass)) r.fail('root_pass', msg.WEAK_PASSWORD);
  } else if (image !== undefined && authorizedKeys.length === 0 && authorizedUsers.length === 0) {
    r.fail(undefined, msg.ROOT_PASS_OR_KEYS_REQUIRED);
  }

  let userData: string | undefined;
  const metadata = r.object('metadata');
  if (metadata && metadata.user_data !== undefined && metadata.user_data !== null) {
    if (typeof metadata.user_data !== 'string') r.fail('metadata.user_data', msg.mustBe('a string'));
    else {
      const problem = base64Problem(metadata.user_data);
      if (problem) r.fail('metadata.user_data', problem);
      userData = metadata.user_data;
    }
  }

  const booted = r.boolean('booted');
  const privateIp = r.boolean('private_ip');
  const tags = r.tags();
  const group = r.string('group');
  const firewallId = r.integer('firewall_id');

  if (r.errors.length > 0) throw badRequest(r.errors);
  return {
    firewall_id: firewallId,
    region: region as string,
    type: type as string,
    label,
    image,
    root_pass: rootPass,
    authorized_keys: authorizedKeys,
    authorized_users: authorizedUsers,
    // The spec: booted defaults to true when deploying from an image; without one the
    // instance stays offline.
    booted: image !== undefined && (booted ?? true),
    private_ip: privateIp ?? false,
    tags: tags ?? [],
    group: group ?? '',
    user_data: userData,
  };
}

const ALERT_FIELDS = ['cpu', 'io', 'network_in', 'network_out', 'transfer_quota'] as const;

export function validateUpdate(body: unknown, id: number, labelTaken: LabelTaken): UpdateLinodeRequest {
  const r = new FieldReader(asObject(body));
  const label = r.label(labelTaken, id);
  const tags = r.tags();
  const group = r.string('group');
  const watchdog = r.boolean('watchdog_enabled');
  const alertsIn = r.object('alerts');
  let alerts: UpdateLinodeRequest['alerts'];
  if (alertsIn) {
    alerts = {};
    for (const key of ALERT_FIELDS) {
      const value = alertsIn[key];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        r.fail(`alerts.${key}`, msg.mustBe('an integer'));
      } else alerts[key] = value;
    }
  }
  if (r.errors.length > 0) throw badRequest(r.errors);
  return { label, tags, group, watchdog_enabled: watchdog, alerts };
}
