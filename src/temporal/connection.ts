// Where the CLI and the worker find Temporal: flags, then the fleet config, then the
// environment, then the local dev server's defaults. How they connect to it (TLS, mTLS,
// API key for Temporal Cloud) comes from the environment only: temporalConnectionOptions.
import fs from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { dataConverter } from '../codec';
import { TASK_QUEUE } from '../shared';

export interface TemporalTarget {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Base URL of the Web UI, for links printed to the operator. */
  uiUrl: string;
}

export function temporalTarget(overrides: Partial<TemporalTarget> = {}): TemporalTarget {
  const env = process.env;
  return {
    address: overrides.address ?? env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: overrides.namespace ?? env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: overrides.taskQueue ?? env.NSDEPLOY_TASK_QUEUE ?? TASK_QUEUE,
    uiUrl: (overrides.uiUrl ?? env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233').replace(/\/$/, ''),
  };
}

export function workflowUrl(target: TemporalTarget, workflowId: string): string {
  const namespaceUrl = `${target.uiUrl}/namespaces/${encodeURIComponent(target.namespace)}`;
  return `${namespaceUrl}/workflows/${encodeURIComponent(workflowId)}`;
}

/**
 * Connection options shared by the CLI's `Connection.connect` and the worker's
 * `NativeConnection.connect` (the fields both accept, SDK 1.24).
 */
export interface TemporalConnectionOptions {
  address: string;
  /** Absent: plaintext (the dev server). */
  tls?: TLSConfig;
  /** Sent as `Authorization: Bearer <key>`; implies TLS. */
  apiKey?: string;
}

/** The environment variables read by temporalConnectionOptions (the same names the `temporal` CLI reads). */
const TEMPORAL_TLS_ENV = {
  apiKey: 'TEMPORAL_API_KEY',
  tls: 'TEMPORAL_TLS',
  cert: 'TEMPORAL_TLS_CERT',
  key: 'TEMPORAL_TLS_KEY',
  ca: 'TEMPORAL_TLS_CA',
  serverName: 'TEMPORAL_TLS_SERVER_NAME',
} as const;

type ReadFile = (file: string) => Buffer;

/**
 * How to connect to Temporal, from the environment:
 * - `TEMPORAL_API_KEY`: API key (Temporal Cloud), implies TLS;
 * - `TEMPORAL_TLS_CERT` + `TEMPORAL_TLS_KEY`: client certificate and key files (mTLS), both or neither;
 * - `TEMPORAL_TLS_CA`: CA file to verify the server with (default: the system's CAs);
 * - `TEMPORAL_TLS_SERVER_NAME`: name to expect in the server's certificate (and SNI);
 * - `TEMPORAL_TLS=true`: TLS with the system's CAs and nothing else; `false` refuses all of the above.
 * Any of them turns TLS on. Errors name the variable and the file, never a secret or a file's contents.
 */
export function temporalConnectionOptions(
  target: Pick<TemporalTarget, 'address'>,
  env: NodeJS.ProcessEnv = process.env,
  readFile: ReadFile = (file) => fs.readFileSync(file),
): TemporalConnectionOptions {
  const E = TEMPORAL_TLS_ENV;
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const v = env[name];
    if (v === undefined) return undefined;
    if (v.trim() === '') {
      problems.push(`${name} is set but empty (unset it, or give it a value)`);
      return undefined;
    }
    return v.trim();
  };

  const apiKey = value(E.apiKey);
  const tlsFlag = value(E.tls);
  const certFile = value(E.cert);
  const keyFile = value(E.key);
  const caFile = value(E.ca);
  const serverName = value(E.serverName);

  let tlsWanted: boolean | undefined;
  if (tlsFlag !== undefined) {
    if (/^(true|1|yes|on)$/i.test(tlsFlag)) tlsWanted = true;
    else if (/^(false|0|no|off)$/i.test(tlsFlag)) tlsWanted = false;
    else problems.push(`${E.tls} must be "true" or "false", not "${tlsFlag}"`);
  }
  if (certFile !== undefined && keyFile === undefined && env[E.key] === undefined) {
    problems.push(
      `${E.cert} (${certFile}) is set but ${E.key} is not: mTLS needs the client certificate and its private key`,
    );
  }
  if (keyFile !== undefined && certFile === undefined && env[E.cert] === undefined) {
    problems.push(
      `${E.key} (${keyFile}) is set but ${E.cert} is not: mTLS needs the client certificate and its private key`,
    );
  }
  const given: [string, string | undefined][] = [
    [E.apiKey, apiKey],
    [E.cert, certFile],
    [E.key, keyFile],
    [E.ca, caFile],
    [E.serverName, serverName],
  ];
  const tlsSettings = given.filter(([, v]) => v !== undefined).map(([name]) => name);
  if (tlsWanted === false && tlsSettings.length > 0) {
    problems.push(
      `${E.tls}=false, but ${tlsSettings.join(', ')} ${tlsSettings.length > 1 ? 'are' : 'is'} set, ` +
        `which need${tlsSettings.length > 1 ? '' : 's'} TLS: unset one or the other`,
    );
  }

  const pem = (name: string, file: string | undefined, kind: 'certificate' | 'private key'): Buffer | undefined => {
    if (file === undefined) return undefined;
    let data: Buffer;
    try {
      data = readFile(file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      problems.push(`${name}: cannot read ${file}: ${e.code ?? e.message}`);
      return undefined;
    }
    const text = data.toString('latin1');
    const ok =
      kind === 'certificate'
        ? /-----BEGIN (TRUSTED )?CERTIFICATE-----/.test(text)
        : /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/.test(text);
    if (!ok)
      problems.push(
        `${name}: ${file} is not a PEM ${kind} ` +
          `(expected a "-----BEGIN ${kind === 'certificate' ? 'CERTIFICATE' : 'PRIVATE KEY'}-----" block)`,
      );
    return data;
  };
  const crt = pem(E.cert, certFile, 'certificate');
  const key = pem(E.key, keyFile, 'private key');
  const ca = pem(E.ca, caFile, 'certificate');

  if (problems.length > 0) throw new Error(`Temporal connection settings: ${problems.join('; ')}`);

  const options: TemporalConnectionOptions = { address: target.address };
  if (tlsWanted || tlsSettings.length > 0) {
    const tls: TLSConfig = {};
    if (crt && key) tls.clientCertPair = { crt, key };
    if (ca) tls.serverRootCACertificate = ca;
    if (serverName) tls.serverNameOverride = serverName;
    options.tls = tls;
  }
  if (apiKey !== undefined) options.apiKey = apiKey;
  return options;
}

/** One line for logs and errors: how the connection is secured, without any secret. */
export function describeConnectionSecurity(options: TemporalConnectionOptions): string {
  if (!options.tls) return options.apiKey ? 'plaintext, API key' : 'plaintext';
  const parts = [options.tls.clientCertPair ? 'mTLS' : 'TLS'];
  parts.push(options.tls.serverRootCACertificate ? `server CA from ${TEMPORAL_TLS_ENV.ca}` : 'system CAs');
  if (options.tls.serverNameOverride) parts.push(`server name ${options.tls.serverNameOverride}`);
  if (options.apiKey) parts.push('API key');
  return parts.join(', ');
}

export async function connectClient(target: TemporalTarget): Promise<{ client: Client; close: () => Promise<void> }> {
  const converter = dataConverter(); // before connecting: bad key material is reported as such
  const options = temporalConnectionOptions(target); // likewise a bad TLS / API key setting
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...options, connectTimeout: '5s' });
  } catch (err) {
    const hint = options.tls
      ? 'Check TEMPORAL_ADDRESS, the namespace endpoint and the TEMPORAL_TLS_* / TEMPORAL_API_KEY settings ' +
        '(docs/production.md).'
      : 'Start the local dev server with `bash temporal-dev/start`, or set TEMPORAL_ADDRESS ' +
        '(and TEMPORAL_TLS_* / TEMPORAL_API_KEY for a TLS server, docs/production.md).';
    throw new Error(
      `cannot reach Temporal at ${target.address} (${describeConnectionSecurity(options)}): ` +
        `${(err as Error).message}. ${hint}`,
    );
  }
  return {
    client: new Client({ connection, namespace: target.namespace, dataConverter: converter }),
    close: () => connection.close(),
  };
}
