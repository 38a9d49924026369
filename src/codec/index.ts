// Optional payload encryption for the client and the worker (off unless keys are configured;
// see docs/encryption.md). Codecs run outside the workflow sandbox: workflows need nothing.
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryptionCodec';
import { keyringFromEnv } from './keyring';

export { EncryptionCodec, ENCODING_ENCRYPTED, METADATA_KEY_ID } from './encryptionCodec';
export { keyringFromEnv, loadKeysFile, parseKeysFile, KeyMaterialError, type Keyring } from './keyring';

/** The encryption codec the environment configures, or undefined (encryption off). Throws on bad key material. */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): EncryptionCodec | undefined {
  const keyring = keyringFromEnv(env);
  return keyring && new EncryptionCodec(keyring);
}

/** For `Client` and `Worker.create`: `{ payloadCodecs: [codec] }` when keys are configured, else undefined. */
export function dataConverter(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const codec = codecFromEnv(env);
  return codec && { payloadCodecs: [codec] };
}
