// The encryption codec and its keyring on their own: round trip, rotation, unknown or wrong
// keys, and bad key material from the environment.
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  codecFromEnv,
  dataConverter,
  EncryptionCodec,
  ENCODING_ENCRYPTED,
  keyringFromEnv,
  METADATA_KEY_ID,
  type Keyring,
} from '../../src/codec';

const newKey = () => crypto.randomBytes(32).toString('base64');
const keyring = (...ids: string[]): Keyring => ({
  currentId: ids[0]!,
  keys: new Map(ids.map((id) => [id, crypto.randomBytes(32)])),
});
const meta = (p: Payload, k: string) => Buffer.from(p.metadata?.[k] ?? new Uint8Array()).toString('utf8');
const value = { label: 'teardown of old LBs', token: 'not-a-real-secret-4711' };

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-codec-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const keysFile = (text: string) => {
  const file = path.join(dir, `keys-${crypto.randomUUID()}`);
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
};

test('round trip: encrypted payloads carry only the encoding and key ID, and decode to the original', async () => {
  const codec = new EncryptionCodec(keyring('k1'));
  const plain = [
    defaultPayloadConverter.toPayload(value),
    defaultPayloadConverter.toPayload(null),
    defaultPayloadConverter.toPayload(new Uint8Array([1, 2, 3])),
  ];
  const encoded = await codec.encode(plain);
  expect(encoded).toHaveLength(3);
  for (const p of encoded) {
    expect(Object.keys(p.metadata!).sort()).toEqual([METADATA_ENCODING_KEY, METADATA_KEY_ID].sort());
    expect(meta(p, METADATA_ENCODING_KEY)).toBe(ENCODING_ENCRYPTED);
    expect(meta(p, METADATA_KEY_ID)).toBe('k1');
    const raw = Buffer.from(p.data!).toString('latin1');
    expect(raw).not.toContain('json/plain'); // the original metadata is encrypted too
  }
  expect(Buffer.from(encoded[0]!.data!).toString('latin1')).not.toContain(value.token);
  // A fresh IV per payload: the same value encrypts differently every time.
  const [again] = await codec.encode([plain[0]!]);
  expect(Buffer.from(again!.data!).equals(Buffer.from(encoded[0]!.data!))).toBe(false);
  expect(Buffer.from(again!.data!).subarray(0, 12).equals(Buffer.from(encoded[0]!.data!).subarray(0, 12))).toBe(false);

  const decoded = await codec.decode(encoded);
  expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([value, null, new Uint8Array([1, 2, 3])]);
  expect(await codec.encode([])).toEqual([]);
});

test('payloads that are not encrypted pass through decode (history from before encryption was turned on)', async () => {
  const codec = new EncryptionCodec(keyring('k1'));
  const plain = defaultPayloadConverter.toPayload(value);
  expect(await codec.decode([plain])).toEqual([plain]);
});

test("rotation: encode with A, rotate to B; A's payloads still decode, new ones use B", async () => {
  const a = newKey();
  const b = newKey();
  const before = codecFromEnv({
    NSDEPLOY_CODEC_KEYS_FILE: keysFile(`# nsdeploy payload keys, first = current\nkey-a ${a}\n`),
  })!;
  const [oldPayload] = await before.encode([defaultPayloadConverter.toPayload(value)]);
  expect(meta(oldPayload!, METADATA_KEY_ID)).toBe('key-a');

  const after = codecFromEnv({ NSDEPLOY_CODEC_KEYS_FILE: keysFile(`key-b ${b}\n\nkey-a ${a}\n`) })!;
  expect(after.currentKeyId).toBe('key-b');
  const [newPayload] = await after.encode([defaultPayloadConverter.toPayload(value)]);
  expect(meta(newPayload!, METADATA_KEY_ID)).toBe('key-b');
  const decoded = await after.decode([oldPayload!, newPayload!]);
  expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([value, value]);

  // A decoder that has only A cannot read B's payloads, and says which key it lacks.
  await expect(before.decode([newPayload!])).rejects.toThrow(
    /encryption key ID "key-b" is not in the keyring \(known: key-a\)/,
  );
});

test('an unknown key ID, a wrong key under a known ID, altered data and a missing key ID fail clearly', async () => {
  const writer = new EncryptionCodec(keyring('2026-01'));
  const [p] = await writer.encode([defaultPayloadConverter.toPayload(value)]);
  await expect(new EncryptionCodec(keyring('2025-06', '2025-01')).decode([p!])).rejects.toThrow(
    'cannot decrypt payload: encryption key ID "2026-01" is not in the keyring (known: 2025-06, 2025-01)',
  );
  // Same ID, different key material.
  await expect(new EncryptionCodec(keyring('2026-01')).decode([p!])).rejects.toThrow(
    /key "2026-01": authentication failed/,
  );
  // One flipped bit of ciphertext.
  const data = Buffer.from(p!.data!);
  data[20] = data[20]! ^ 1;
  await expect(writer.decode([{ ...p!, data }])).rejects.toThrow(/authentication failed/);
  await expect(writer.decode([{ ...p!, data: data.subarray(0, 10) }])).rejects.toThrow(/too short/);
  await expect(
    writer.decode([{ metadata: { [METADATA_ENCODING_KEY]: p!.metadata![METADATA_ENCODING_KEY]! }, data: p!.data! }]),
  ).rejects.toThrow(/has no "encryption-key-id" metadata/);
});

describe('configuration from the environment', () => {
  test('nothing set: no codec (the lab default)', () => {
    expect(keyringFromEnv({})).toBeUndefined();
    expect(dataConverter({})).toBeUndefined();
  });

  test('one key by NSDEPLOY_CODEC_KEY + NSDEPLOY_CODEC_KEY_ID, or a keys file', async () => {
    const key = newKey();
    const single = dataConverter({ NSDEPLOY_CODEC_KEY: key, NSDEPLOY_CODEC_KEY_ID: 'prod-1' })!;
    expect(single.payloadCodecs).toHaveLength(1);
    const fromFile = codecFromEnv({ NSDEPLOY_CODEC_KEYS_FILE: keysFile(`prod-1 ${key}\n`) })!;
    // Same key material, either way: what one encodes the other decodes.
    const [p] = await single.payloadCodecs![0]!.encode([defaultPayloadConverter.toPayload(value)]);
    expect(defaultPayloadConverter.fromPayload((await fromFile.decode([p!]))[0]!)).toEqual(value);
  });

  const key = newKey();
  const cases: [string, () => NodeJS.ProcessEnv, RegExp][] = [
    [
      'file not found',
      () => ({ NSDEPLOY_CODEC_KEYS_FILE: path.join(dir, 'missing') }),
      /NSDEPLOY_CODEC_KEYS_FILE=.*missing: cannot read the keys file \(file not found\)/,
    ],
    [
      'wrong length',
      () => ({ NSDEPLOY_CODEC_KEYS_FILE: keysFile(`k1 ${crypto.randomBytes(16).toString('base64')}\n`) }),
      /line 1: the key for ID "k1" is 16 bytes, AES-256 needs 32; generate one with `openssl rand -base64 32`/,
    ],
    [
      'bad base64',
      () => ({ NSDEPLOY_CODEC_KEYS_FILE: keysFile(`k1 ${key}\nk2 not*base64!!\n`) }),
      /line 2: the key for ID "k2" is not valid base64/,
    ],
    [
      'duplicate IDs',
      () => ({ NSDEPLOY_CODEC_KEYS_FILE: keysFile(`k1 ${key}\nk2 ${newKey()}\nk1 ${newKey()}\n`) }),
      /line 3: duplicate key ID "k1"/,
    ],
    ['an empty keys file', () => ({ NSDEPLOY_CODEC_KEYS_FILE: keysFile('# nothing yet\n\n') }), /no keys/],
    [
      'a line without a key',
      () => ({ NSDEPLOY_CODEC_KEYS_FILE: keysFile(`${key}\n`) }),
      /line 1: expected "<key-id> <base64 key>", found 1 field/,
    ],
    [
      'a bad key ID',
      () => ({ NSDEPLOY_CODEC_KEY: key, NSDEPLOY_CODEC_KEY_ID: 'bad"id' }),
      /key ID "bad\\"id" is not valid/,
    ],
    [
      'a key without its ID',
      () => ({ NSDEPLOY_CODEC_KEY: key }),
      /NSDEPLOY_CODEC_KEY is set but NSDEPLOY_CODEC_KEY_ID is not/,
    ],
    [
      'an ID without its key',
      () => ({ NSDEPLOY_CODEC_KEY_ID: 'k1' }),
      /NSDEPLOY_CODEC_KEY_ID is set but NSDEPLOY_CODEC_KEY is not/,
    ],
    [
      'a short single key',
      () => ({ NSDEPLOY_CODEC_KEY: 'c2hvcnQ=', NSDEPLOY_CODEC_KEY_ID: 'k1' }),
      /NSDEPLOY_CODEC_KEY: the key for ID "k1" is 5 bytes/,
    ],
    ['a variable set but empty', () => ({ NSDEPLOY_CODEC_KEYS_FILE: '' }), /NSDEPLOY_CODEC_KEYS_FILE is set but empty/],
    [
      'both sources at once',
      () => ({
        NSDEPLOY_CODEC_KEYS_FILE: keysFile(`k1 ${key}\n`),
        NSDEPLOY_CODEC_KEY: key,
        NSDEPLOY_CODEC_KEY_ID: 'k1',
      }),
      /both NSDEPLOY_CODEC_KEYS_FILE and/,
    ],
  ];
  test.each(cases)('%s is an error naming the problem, never plaintext', (_what, env, message) => {
    let err: unknown;
    try {
      dataConverter(env());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain(key); // key material never appears in errors
  });
});
