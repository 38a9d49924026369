// Codec server: lets the Temporal Web UI show decrypted payloads to an operator who runs it
// with the keys. It serves POST /encode and POST /decode with `{ "payloads": [...] }` in
// proto JSON (metadata values and data base64), answers CORS for the Web UI's origin only,
// and listens on 127.0.0.1 unless told otherwise: whoever can reach it can decrypt, so keep
// it on the operator's machine.
import type { Payload } from '@temporalio/common';
import type { Command } from 'commander';
import Fastify, { type FastifyInstance } from 'fastify';
import { logger } from '../logger';
import type { EncryptionCodec } from './encryptionCodec';
import { codecFromEnv } from './index';
import { ENV_KEY, ENV_KEYS_FILE } from './keyring';

export const DEFAULT_CODEC_PORT = 8888;
export const DEFAULT_UI_ORIGINS = ['http://127.0.0.1:8233', 'http://localhost:8233'];
const BODY_LIMIT = 32 * 1024 * 1024; // a batch of payloads of up to 2 MiB each

export interface CodecServerOptions {
  codec: Pick<EncryptionCodec, 'encode' | 'decode'>;
  /** Browser origins allowed to call (the Web UI's); requests from any other origin get 403. */
  uiOrigins?: string[];
}

/** A payload in proto JSON form, as the Web UI sends it. */
interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

class BadRequest extends Error {}

function fromJson(body: unknown): Payload[] {
  const payloads = (body as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(payloads)) throw new BadRequest('expected a JSON body {"payloads": [...]}');
  return payloads.map((p: unknown, i) => {
    const { metadata, data } = (p ?? {}) as JsonPayload;
    if (typeof p !== 'object' || p === null) throw new BadRequest(`payloads[${i}] is not an object`);
    if (data != null && typeof data !== 'string') throw new BadRequest(`payloads[${i}].data is not a base64 string`);
    if (
      metadata != null &&
      (typeof metadata !== 'object' || Object.values(metadata).some((v) => typeof v !== 'string'))
    ) {
      throw new BadRequest(`payloads[${i}].metadata is not a map of base64 strings`);
    }
    return {
      metadata: Object.fromEntries(
        Object.entries(metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
      ),
      data: new Uint8Array(Buffer.from(data ?? '', 'base64')),
    };
  });
}

function toJson(payloads: Payload[]): { payloads: JsonPayload[] } {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}

/** The HTTP app (not yet listening). */
export function buildCodecServer({ codec, uiOrigins = DEFAULT_UI_ORIGINS }: CodecServerOptions): FastifyInstance {
  const allowed = new Set(uiOrigins.map((o) => o.replace(/\/$/, '')));
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT });

  // CORS: only the Web UI's origin; a request carrying any other Origin is refused outright
  // (a web page elsewhere must not get plaintext, even through a "simple" request).
  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (origin === undefined) return; // not from a browser page: curl, the temporal CLI
    if (!allowed.has(origin)) {
      logger.warn({ origin }, 'codec server: request from an origin that is not allowed');
      return reply
        .code(403)
        .send({ error: `origin ${origin} is not allowed (allowed: ${[...allowed].join(', ')}; see --ui-origin)` });
    }
    reply
      .header('Access-Control-Allow-Origin', origin)
      .header('Access-Control-Allow-Credentials', 'true')
      .header('Vary', 'Origin');
  });

  for (const url of ['/encode', '/decode']) {
    app.options(url, async (req, reply) => {
      // A UI served from a remote https origin calling 127.0.0.1: Chrome's private network access check.
      if (req.headers['access-control-request-private-network'] === 'true')
        reply.header('Access-Control-Allow-Private-Network', 'true');
      return reply
        .code(204)
        .header('Access-Control-Allow-Methods', 'POST, OPTIONS')
        .header('Access-Control-Allow-Headers', 'content-type, x-namespace, authorization')
        .header('Access-Control-Max-Age', '600')
        .send();
    });
  }

  const route = (url: string, op: 'encode' | 'decode') =>
    app.post(url, async (req, reply) => {
      let payloads: Payload[];
      try {
        payloads = fromJson(req.body);
      } catch (err) {
        return reply.code(400).send({ error: (err as Error).message });
      }
      try {
        return reply.send(toJson(await codec[op](payloads)));
      } catch (err) {
        // e.g. an unknown key ID: the message names it, never any payload content
        const namespace = req.headers['x-namespace'];
        logger.warn({ namespace, err: (err as Error).message }, `codec server: ${op} failed`);
        return reply.code(422).send({ error: (err as Error).message });
      }
    });
  route('/encode', 'encode');
  route('/decode', 'decode');
  return app;
}

/** Builds and starts the codec server; resolves with its URL once it listens. */
export async function startCodecServer(
  opts: CodecServerOptions & { port?: number; host?: string },
): Promise<{ url: string; app: FastifyInstance }> {
  const app = buildCodecServer(opts);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? DEFAULT_CODEC_PORT, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, app };
}

/** `nsdeploy codec-server`: runs until SIGINT/SIGTERM. */
export function registerCodecServerCommand(program: Command): void {
  program
    .command('codec-server')
    .description(
      'Decrypt payloads for the Web UI (encryption keys from the environment, see docs/encryption.md); ' +
        'runs until Ctrl-C',
    )
    .option('--port <port>', 'port to listen on', String(DEFAULT_CODEC_PORT))
    .option('--host <address>', 'address to listen on (whoever can reach it can decrypt)', '127.0.0.1')
    .option('--ui-origin <origin...>', 'Web UI origin(s) allowed to call it', DEFAULT_UI_ORIGINS)
    .action(async (opts: { port: string; host: string; uiOrigin: string[] }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port ${opts.port} is not a port number`);
      const codec = codecFromEnv();
      if (!codec)
        throw new Error(
          `no encryption keys configured: set ${ENV_KEYS_FILE} (or ${ENV_KEY} and NSDEPLOY_CODEC_KEY_ID)`,
        );
      const { url, app } = await startCodecServer({ codec, port, host: opts.host, uiOrigins: opts.uiOrigin });
      if (!['127.0.0.1', '::1', 'localhost'].includes(opts.host))
        logger.warn(
          { host: opts.host },
          'codec server listens beyond loopback: anyone who reaches it can decrypt payloads',
        );
      process.stdout.write(
        `Codec server on ${url} (current key ${codec.currentKeyId}; Web UI origins: ${opts.uiOrigin.join(', ')})\n` +
          `Web UI: set the codec endpoint to ${url}, ` +
          `or start the dev server with: temporal server start-dev --ui-codec-endpoint ${url}\n`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await app.close();
    });
}
