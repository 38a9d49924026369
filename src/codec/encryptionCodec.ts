// AES-256-GCM payload codec. Each payload is serialized whole (metadata included, so the
// original encoding is not visible either), encrypted with the keyring's current key and a
// fresh random 12-byte IV, and replaced by a payload with
//   metadata: encoding = binary/encrypted, encryption-key-id = <key ID>
//   data:     IV (12 bytes) || ciphertext || GCM tag (16 bytes)
// (the layout of Web Crypto's AES-GCM output, as in Temporal's encryption samples).
// Decoding looks the key up by the ID in the payload, so payloads written before a rotation
// still decode; payloads that are not encrypted pass through unchanged.
import { METADATA_ENCODING_KEY, ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import crypto from 'node:crypto';
import type { Keyring } from './keyring';

export const ENCODING_ENCRYPTED = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keyring: Keyring) {
    if (!keyring.keys.has(keyring.currentId))
      throw new ValueError(`current encryption key ID "${keyring.currentId}" is not in the keyring`);
  }

  /** ID of the key new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.keyring.currentId;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const id = this.keyring.currentId;
    const key = this.keyring.keys.get(id)!;
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = crypto.randomBytes(IV_BYTES);
      const cipher = crypto.createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: utf8(ENCODING_ENCRYPTED), [METADATA_KEY_ID]: utf8(id) },
        data: new Uint8Array(sealed),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCODING_ENCRYPTED) return payload;
      const id = text(payload.metadata?.[METADATA_KEY_ID]);
      if (!id) throw new ValueError(`cannot decrypt payload: it has no "${METADATA_KEY_ID}" metadata`);
      const key = this.keyring.keys.get(id);
      if (!key) {
        const known = [...this.keyring.keys.keys()].join(', ');
        throw new ValueError(
          `cannot decrypt payload: encryption key ID "${id}" is not in the keyring (known: ${known}); ` +
            'add that key to the keys file (NSDEPLOY_CODEC_KEYS_FILE) as a non-first line',
        );
      }
      const data = payload.data ?? new Uint8Array();
      if (data.length < IV_BYTES + TAG_BYTES)
        throw new ValueError(`cannot decrypt payload with key "${id}": ${data.length} bytes is too short`);
      const decipher = crypto.createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new ValueError(
          `cannot decrypt payload with key "${id}": authentication failed ` +
            '(not the key it was encrypted with, or the payload was altered)',
        );
      }
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}
