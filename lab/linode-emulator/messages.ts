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
export const mustBe = (kind: 'a string' | 'a boolean' | 'an integer' | 'an array of strings' | 'an object'): string =>
  `Must be ${kind}`;
export const PAGE_SIZE_RANGE = 'Must be 25-500';
export const PAGE_POSITIVE = 'Must be a positive integer';
export const cannotOrderBy = (field: string): string => `Cannot order by ${field}`;
export const INVALID_JSON = 'Invalid JSON';
