// Encryption keys for the payload codec, from the environment: a keys file
// (NSDEPLOY_CODEC_KEYS_FILE, lines `<key-id> <base64 32-byte key>`, first line = current key)
// or one key (NSDEPLOY_CODEC_KEY + NSDEPLOY_CODEC_KEY_ID). Neither set: no encryption.
// Bad key material is an error naming the problem (never the key), never a fallback to plaintext.
import fs from 'node:fs';

export const KEY_BYTES = 32; // AES-256

export const ENV_KEYS_FILE = 'NSDEPLOY_CODEC_KEYS_FILE';
export const ENV_KEY = 'NSDEPLOY_CODEC_KEY';
export const ENV_KEY_ID = 'NSDEPLOY_CODEC_KEY_ID';

const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const GENERATE_HINT = 'generate one with `openssl rand -base64 32`';

/** Every known key by ID; `currentId` encrypts, all of them decrypt (old payloads after a rotation). */
export interface Keyring {
  currentId: string;
  keys: ReadonlyMap<string, Buffer>;
}

export class KeyMaterialError extends Error {
  override name = 'KeyMaterialError';
}

/** One key from its ID and base64 text; `where` names the source in errors. */
function parseKey(id: string, base64: string, where: string): Buffer {
  if (!KEY_ID.test(id)) {
    throw new KeyMaterialError(
      `${where}: key ID ${JSON.stringify(id)} is not valid ` +
        "(letters, digits, '.', '_', ':', '-'; at most 64 characters)",
    );
  }
  if (!BASE64.test(base64))
    throw new KeyMaterialError(`${where}: the key for ID "${id}" is not valid base64; ${GENERATE_HINT}`);
  const key = Buffer.from(base64, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new KeyMaterialError(
      `${where}: the key for ID "${id}" is ${key.length} bytes, AES-256 needs ${KEY_BYTES}; ${GENERATE_HINT}`,
    );
  }
  return key;
}

/** Keys file text: `<key-id> <base64 key>` per line, blank lines and `#` comments ignored, first key current. */
export function parseKeysFile(text: string, where: string): Keyring {
  const keys = new Map<string, Buffer>();
  let currentId: string | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const at = `${where} line ${i + 1}`;
    const fields = line.split(/\s+/);
    if (fields.length !== 2)
      throw new KeyMaterialError(`${at}: expected "<key-id> <base64 key>", found ${fields.length} field(s)`);
    const [id, base64] = fields as [string, string];
    const key = parseKey(id, base64, at);
    if (keys.has(id)) throw new KeyMaterialError(`${at}: duplicate key ID "${id}"`);
    keys.set(id, key);
    currentId ??= id;
  });
  if (currentId === undefined)
    throw new KeyMaterialError(
      `${where}: no keys (expected lines "<key-id> <base64 key>", the first is the current key)`,
    );
  return { currentId, keys };
}

export function loadKeysFile(file: string): Keyring {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new KeyMaterialError(`${ENV_KEYS_FILE}=${file}: cannot read the keys file (${why})`);
  }
  return parseKeysFile(text, `${ENV_KEYS_FILE} ${file}`);
}

/**
 * The keyring the environment configures, or undefined when encryption is off (no variable
 * set). A variable that is set but empty, a key without its ID, or both sources at once is an
 * error: a half-configured codec must not quietly write plaintext.
 */
export function keyringFromEnv(env: NodeJS.ProcessEnv = process.env): Keyring | undefined {
  const file = env[ENV_KEYS_FILE];
  const key = env[ENV_KEY];
  const keyId = env[ENV_KEY_ID];
  for (const [name, value] of [
    [ENV_KEYS_FILE, file],
    [ENV_KEY, key],
    [ENV_KEY_ID, keyId],
  ] as const) {
    if (value !== undefined && value.trim() === '')
      throw new KeyMaterialError(`${name} is set but empty; unset it to run without payload encryption`);
  }
  if (file !== undefined) {
    if (key !== undefined || keyId !== undefined) {
      throw new KeyMaterialError(`both ${ENV_KEYS_FILE} and ${ENV_KEY}/${ENV_KEY_ID} are set; use one of them`);
    }
    return loadKeysFile(file);
  }
  if (key === undefined && keyId === undefined) return undefined;
  if (key === undefined) throw new KeyMaterialError(`${ENV_KEY_ID} is set but ${ENV_KEY} is not`);
  if (keyId === undefined)
    throw new KeyMaterialError(
      `${ENV_KEY} is set but ${ENV_KEY_ID} is not (the ID is stored with every payload so keys can rotate)`,
    );
  const id = keyId.trim();
  return { currentId: id, keys: new Map([[id, parseKey(id, key.trim(), ENV_KEY)]]) };
}
