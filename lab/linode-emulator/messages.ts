// Every `reason` string the emulator sends, in one place, so they can be checked against the
// real API and changed together.
//
// Verified: seen verbatim in Linode's own material — recorded API responses in linodego's
// test/integration/fixtures, the OpenAPI spec 4.189.0 text, or Linode's issue trackers.
// Lab choice: no public record of the exact wording was found; the text follows the spec's
// rule and the house style of the verified ones. Clients must not match on these.

/** Verified (linodego fixtures). */
export const INVALID_TOKEN = 'Invalid Token';
/** Verified (linodego fixtures). */
export const NOT_FOUND = 'Not found';
/** Verified (linodego fixtures, Cloud Manager tests). */
export const LINODE_BUSY = 'Linode busy.';
/** Verified (linodego fixtures). */
export const TOO_MANY_REQUESTS = 'Too many requests';
/** Verified (linodego fixtures, linode-cli issues): `field` is `X-Filter`. */
export const cannotFilterOn = (field: string): string => `Cannot filter on ${field}`;
/** Verified (linode-cli issue #370): `field` is `X-Filter`. */
export const COULD_NOT_APPLY_FILTER = 'Could not apply filter';
/** Verified (public client code matching on it). */
export const LABEL_NOT_UNIQUE = 'Label must be unique among your linodes';
/** Verified (linodego fixtures, spec 4.189.0 no longer documents the alternatives). */
export const ROOT_PASS_OR_KEYS_REQUIRED = 'Must provide valid root_pass, authorized_keys, or authorized_users';
/** Verified wording from the spec's root_pass description. */
export const WEAK_PASSWORD = 'Password does not meet strength requirement';
/** Verified (linodego fixtures, for another resource's region). */
export const REGION_NOT_VALID = 'region is not valid';
/** Verified (linodego fixtures). */
export const INTERNAL_ERROR = 'An error occurred';

// Lab choices (see the header).
export const TYPE_NOT_VALID = 'type is not valid';
export const IMAGE_NOT_VALID = 'image is not valid';
export const isRequired = (field: string): string => `${field} is required`;
export const LABEL_LENGTH = 'Length must be 3-64 characters';
export const LABEL_FIRST_CHAR = 'Label must begin with a letter';
export const LABEL_LAST_CHAR = 'Label must end with a letter or number';
export const LABEL_CHARSET = 'Label must only use ASCII letters, numbers, dashes (-), underscores (_) and periods (.)';
export const LABEL_REPEATS = 'Label must not contain two dashes, underscores or periods in a row';
export const ROOT_PASS_LENGTH = 'Length must be 7-128 characters';
export const TAG_LENGTH = 'Length must be 3-50 characters';
export const USER_DATA_NOT_BASE64 = 'user_data must be valid base64';
export const USER_DATA_TOO_LARGE = 'user_data must not exceed 65535 bytes once decoded';
export const mustBe = (
  kind:
    | 'a string'
    | 'a boolean'
    | 'an integer'
    | 'an array of strings'
    | 'an array of integers'
    | 'an array of objects'
    | 'an object',
): string => `Must be ${kind}`;
export const PAGE_SIZE_RANGE = 'Must be 25-500';
export const PAGE_POSITIVE = 'Must be a positive integer';
export const cannotOrderBy = (field: string): string => `Cannot order by ${field}`;
export const INVALID_JSON = 'Invalid JSON';

// Cloud Firewalls (lab choices, following the spec's rules for the Firewall object).
export const FIREWALL_LABEL_LENGTH = 'Length must be 3-32 characters';
export const FIREWALL_LABEL_NOT_UNIQUE = 'Label must be unique among your firewalls';
export const POLICY_VALUES = 'Must be one of ACCEPT, DROP';
export const ACTION_VALUES = 'Must be one of ACCEPT, DROP';
export const PROTOCOL_VALUES = 'Must be one of TCP, UDP, ICMP, IPENCAP, ALL';
export const PORTS_NOT_ALLOWED = 'Ports are not allowed for ICMP and IPENCAP protocols';
export const PORTS_INVALID = 'Must be a port, a range of ports (low-high) or a comma-separated list of both, 1-65535';
export const PORTS_TOO_MANY = 'Number of ports or port range endpoints exceeded. Max allowed is 15';
export const ADDRESSES_REQUIRED = 'addresses is required';
export const invalidRange = (family: 'IPv4' | 'IPv6', value: string): string =>
  `${value} is not a valid ${family} address or network`;
export const RULE_DESCRIPTION_LENGTH = 'Length must be 1-100 characters';
export const TOO_MANY_RULES = 'A firewall can have at most 25 rules (inbound and outbound together)';
export const RULESETS_NOT_EMULATED = 'Rule Sets are not supported by the lab emulator';
export const STATUS_VALUES = 'Must be one of enabled, disabled';
export const DEVICE_TYPES = 'Must be one of linode, nodebalancer, linode_interface';
export const DEVICE_TYPE_NOT_EMULATED = 'Only linode devices are supported by the lab emulator';
export const linodeNotFound = (id: number): string => `Linode ${id} not found`;
export const FIREWALL_NOT_FOUND = 'Firewall not found';
export const DEVICE_EXISTS = 'This Linode is already assigned to this firewall';
export const ANOTHER_ACTIVE_FIREWALL = 'This Linode already has an active firewall assigned';

// IP assignment and sharing (lab choices, following the spec's restrictions for POST /networking/ips/assign).
export const ASSIGNMENTS_REQUIRED = 'assignments is required';
export const IPV6_NOT_EMULATED = 'IPv6 ranges are not supported by the lab emulator';
export const notYourAddress = (address: string): string => `${address} is not an address on your account`;
export const addressNotInRegion = (address: string, region: string): string => `${address} is not in ${region}`;
export const linodeNotInRegion = (id: number, region: string): string => `Linode ${id} is not in ${region}`;
export const needsPublicIpv4 = (id: number): string => `Linode ${id} must have at least one public IPv4 address`;
export const onePrivateIpv4 = (id: number): string => `Linode ${id} may have no more than one private IPv4 address`;
export const sharedCannotMove = (address: string): string =>
  `${address} is shared: shared IP addresses cannot be swapped between Linodes`;
export const addressTwice = (address: string): string => `${address} appears in more than one assignment`;
export const SHARE_SAME_REGION = "Shared addresses must be in the Linode's region";
export const SHARE_OWN_ADDRESS = 'A Linode cannot share its own address';
export const SHARE_PUBLIC_ONLY = 'Only public IPv4 addresses can be shared';
