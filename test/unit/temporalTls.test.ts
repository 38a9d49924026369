// How the CLI and the worker connect to Temporal: TLS, mTLS and API key settings from the
// environment (src/temporal/connection.ts), and a real connection over mTLS.
//
// The Temporal CLI's dev server (`temporal server start-dev`, v1.5.1) has no TLS option, so the
// real test puts a TLS-terminating proxy (node:tls, client certificate required) in front of a
// dev server on a free loopback port, with a CA and certificates made by `openssl` for the test.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import {
  connectClient,
  describeConnectionSecurity,
  temporalConnectionOptions,
  temporalTarget,
} from '../../src/temporal/connection';
import { describeIf } from '../helpers/requires';
import { createLocalEnv } from '../../testkit/temporalEnv';
import { PROJECT_DIR } from '../../testkit/temporalTools';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIBfake\n-----END PRIVATE KEY-----\n';
const files: Record<string, string> = {
  '/etc/nsdeploy/temporal.crt': CERT,
  '/etc/nsdeploy/temporal.key': KEY,
  '/etc/nsdeploy/ca.crt': CERT,
  '/etc/nsdeploy/not-a-cert.txt': 'hello',
  '/etc/nsdeploy/secret-in-wrong-place.crt':
    '-----BEGIN PRIVATE KEY-----\nTOPSECRETKEYMATERIAL\n-----END PRIVATE KEY-----\n',
};
const readFile = (file: string): Buffer => {
  if (file in files) return Buffer.from(files[file]);
  throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), { code: 'ENOENT' });
};
const target = { address: 'nsdeploy.a1b2c.tmprl.cloud:7233' };
const build = (env: NodeJS.ProcessEnv) => temporalConnectionOptions(target, env, readFile);
const problem = (env: NodeJS.ProcessEnv): string => {
  try {
    build(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the settings to be refused');
};

describe('temporalConnectionOptions', () => {
  test('nothing set: plaintext, as for the dev server', () => {
    expect(build({})).toEqual({ address: target.address });
    expect(describeConnectionSecurity(build({}))).toBe('plaintext');
  });

  test('TEMPORAL_API_KEY: API key and TLS with the system CAs (Temporal Cloud)', () => {
    const opts = build({ TEMPORAL_API_KEY: 'key-123' });
    expect(opts).toEqual({ address: target.address, tls: {}, apiKey: 'key-123' });
    expect(describeConnectionSecurity(opts)).toBe('TLS, system CAs, API key');
    expect(describeConnectionSecurity(opts)).not.toContain('key-123');
  });

  test('TEMPORAL_TLS_CERT + TEMPORAL_TLS_KEY: mTLS with the files as bytes', () => {
    const opts = build({
      TEMPORAL_TLS_CERT: '/etc/nsdeploy/temporal.crt',
      TEMPORAL_TLS_KEY: '/etc/nsdeploy/temporal.key',
    });
    expect(opts.apiKey).toBeUndefined();
    expect(Buffer.from(opts.tls!.clientCertPair!.crt).toString()).toBe(CERT);
    expect(Buffer.from(opts.tls!.clientCertPair!.key).toString()).toBe(KEY);
    expect(opts.tls!.serverRootCACertificate).toBeUndefined();
    expect(describeConnectionSecurity(opts)).toBe('mTLS, system CAs');
  });

  test('CA and server name: own CA, expected name in the server certificate', () => {
    const opts = build({
      TEMPORAL_TLS_CERT: '/etc/nsdeploy/temporal.crt',
      TEMPORAL_TLS_KEY: '/etc/nsdeploy/temporal.key',
      TEMPORAL_TLS_CA: '/etc/nsdeploy/ca.crt',
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal.example.com',
    });
    expect(Buffer.from(opts.tls!.serverRootCACertificate!).toString()).toBe(CERT);
    expect(opts.tls!.serverNameOverride).toBe('temporal.internal.example.com');
    expect(describeConnectionSecurity(opts)).toBe(
      'mTLS, server CA from TEMPORAL_TLS_CA, server name temporal.internal.example.com',
    );
  });

  test('TEMPORAL_TLS=true alone: TLS with the system CAs; CA or server name alone turn TLS on too', () => {
    for (const on of ['true', 'TRUE', '1', 'yes'])
      expect(build({ TEMPORAL_TLS: on })).toEqual({ address: target.address, tls: {} });
    expect(build({ TEMPORAL_TLS: 'false' })).toEqual({ address: target.address });
    expect(build({ TEMPORAL_TLS_CA: '/etc/nsdeploy/ca.crt' }).tls?.serverRootCACertificate).toBeDefined();
    expect(build({ TEMPORAL_TLS_SERVER_NAME: 'temporal.example.com' })).toEqual({
      address: target.address,
      tls: { serverNameOverride: 'temporal.example.com' },
    });
  });

  test('API key together with mTLS', () => {
    const opts = build({
      TEMPORAL_API_KEY: 'k',
      TEMPORAL_TLS_CERT: '/etc/nsdeploy/temporal.crt',
      TEMPORAL_TLS_KEY: '/etc/nsdeploy/temporal.key',
    });
    expect(opts.apiKey).toBe('k');
    expect(opts.tls?.clientCertPair).toBeDefined();
  });

  test('a certificate without its key, or a key without its certificate, names both variables', () => {
    expect(problem({ TEMPORAL_TLS_CERT: '/etc/nsdeploy/temporal.crt' })).toMatch(
      /TEMPORAL_TLS_CERT \(\/etc\/nsdeploy\/temporal\.crt\) is set but TEMPORAL_TLS_KEY is not/,
    );
    expect(problem({ TEMPORAL_TLS_KEY: '/etc/nsdeploy/temporal.key' })).toMatch(
      /TEMPORAL_TLS_KEY \(\/etc\/nsdeploy\/temporal\.key\) is set but TEMPORAL_TLS_CERT is not/,
    );
  });

  test('an unreadable file names the variable and the file', () => {
    expect(
      problem({ TEMPORAL_TLS_CERT: '/etc/nsdeploy/missing.crt', TEMPORAL_TLS_KEY: '/etc/nsdeploy/temporal.key' }),
    ).toMatch(/TEMPORAL_TLS_CERT: cannot read \/etc\/nsdeploy\/missing\.crt: ENOENT/);
    expect(problem({ TEMPORAL_TLS_CA: '/nope/ca.pem' })).toMatch(
      /TEMPORAL_TLS_CA: cannot read \/nope\/ca\.pem: ENOENT/,
    );
  });

  test('a file that is not PEM of the right kind is refused, without showing its contents', () => {
    expect(problem({ TEMPORAL_TLS_CA: '/etc/nsdeploy/not-a-cert.txt' })).toMatch(
      /TEMPORAL_TLS_CA: \/etc\/nsdeploy\/not-a-cert\.txt is not a PEM certificate/,
    );
    expect(
      problem({ TEMPORAL_TLS_CERT: '/etc/nsdeploy/temporal.crt', TEMPORAL_TLS_KEY: '/etc/nsdeploy/ca.crt' }),
    ).toMatch(/TEMPORAL_TLS_KEY: \/etc\/nsdeploy\/ca\.crt is not a PEM private key/);
    // key and certificate swapped: both named, the key material never echoed
    const msg = problem({
      TEMPORAL_TLS_CERT: '/etc/nsdeploy/secret-in-wrong-place.crt',
      TEMPORAL_TLS_KEY: '/etc/nsdeploy/ca.crt',
    });
    expect(msg).toMatch(/TEMPORAL_TLS_CERT: .*secret-in-wrong-place\.crt is not a PEM certificate/);
    expect(msg).not.toContain('TOPSECRETKEYMATERIAL');
  });

  test('empty variables, a bad TEMPORAL_TLS and TEMPORAL_TLS=false with TLS settings are refused by name; the API key is never shown', () => {
    expect(problem({ TEMPORAL_API_KEY: '' })).toMatch(/TEMPORAL_API_KEY is set but empty/);
    expect(problem({ TEMPORAL_TLS_CA: ' ' })).toMatch(/TEMPORAL_TLS_CA is set but empty/);
    expect(problem({ TEMPORAL_TLS: 'maybe' })).toMatch(/TEMPORAL_TLS must be "true" or "false", not "maybe"/);
    const msg = problem({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'super-secret-api-key' });
    expect(msg).toMatch(/TEMPORAL_TLS=false, but TEMPORAL_API_KEY is set/);
    expect(msg).not.toContain('super-secret-api-key');
  });

  test('every problem at once', () => {
    const msg = problem({
      TEMPORAL_TLS_CERT: '/etc/nsdeploy/missing.crt',
      TEMPORAL_TLS_CA: '/etc/nsdeploy/not-a-cert.txt',
      TEMPORAL_TLS_SERVER_NAME: '',
    });
    expect(msg).toMatch(/TEMPORAL_TLS_SERVER_NAME is set but empty/);
    expect(msg).toMatch(/TEMPORAL_TLS_KEY is not/);
    expect(msg).toMatch(/TEMPORAL_TLS_CERT: cannot read/);
    expect(msg).toMatch(/TEMPORAL_TLS_CA: .* is not a PEM certificate/);
  });

  test('reads real files from disk by default', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-tls-'));
    try {
      fs.writeFileSync(path.join(dir, 'ca.pem'), CERT);
      const opts = temporalConnectionOptions(target, { TEMPORAL_TLS_CA: path.join(dir, 'ca.pem') });
      expect(Buffer.from(opts.tls!.serverRootCACertificate!).toString()).toBe(CERT);
      expect(() => temporalConnectionOptions(target, { TEMPORAL_TLS_CA: path.join(dir, 'none.pem') })).toThrow(
        `TEMPORAL_TLS_CA: cannot read ${path.join(dir, 'none.pem')}: ENOENT`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- a real connection over mTLS --------------------------------------------------------

const temporalCli = (() => {
  const version = /^TEMPORAL_CLI_VERSION=(.+)$/m
    .exec(fs.readFileSync(path.join(PROJECT_DIR, 'temporal-dev', 'versions.env'), 'utf8'))?.[1]
    .trim();
  return version && path.join(PROJECT_DIR, '.tools', 'temporal-cli', version, 'temporal');
})();
const haveOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
/** What the real-connection test needs and this machine lacks. */
const missingTools = [
  ...(temporalCli && fs.existsSync(temporalCli)
    ? []
    : [`the Temporal CLI at ${temporalCli || '(no TEMPORAL_CLI_VERSION)'} (npm run temporal:install)`]),
  ...(haveOpenssl ? [] : ['openssl on the PATH']),
];
const describeWithTools = describeIf(missingTools.length === 0, `needs ${missingTools.join(' and ')}`);

/** A CA, a server certificate for `temporal.test` and a client certificate, made by openssl. */
function makeCerts(
  dir: string,
): Record<'ca' | 'serverCrt' | 'serverKey' | 'clientCrt' | 'clientKey' | 'otherCa', string> {
  const f = (name: string) => path.join(dir, name);
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ca = (name: string) => {
    run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(`${name}.key`));
    run(
      'req',
      '-x509',
      '-new',
      '-key',
      f(`${name}.key`),
      '-subj',
      `/CN=${name}`,
      '-days',
      '2',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      f(`${name}.crt`),
    );
  };
  const leaf = (name: string, ext: string) => {
    run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(`${name}.key`));
    run('req', '-new', '-key', f(`${name}.key`), '-subj', `/CN=${name}`, '-out', f(`${name}.csr`));
    fs.writeFileSync(f(`${name}.ext`), `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n${ext}\n`);
    run(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('test-ca.crt'),
      '-CAkey',
      f('test-ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      f(`${name}.ext`),
      '-out',
      f(`${name}.crt`),
    );
  };
  ca('test-ca');
  ca('other-ca');
  leaf('server', 'extendedKeyUsage=serverAuth\nsubjectAltName=DNS:temporal.test');
  leaf('nsdeploy-client', 'extendedKeyUsage=clientAuth');
  return {
    ca: f('test-ca.crt'),
    otherCa: f('other-ca.crt'),
    serverCrt: f('server.crt'),
    serverKey: f('server.key'),
    clientCrt: f('nsdeploy-client.crt'),
    clientKey: f('nsdeploy-client.key'),
  };
}

describeWithTools('over TLS to a real dev server (behind an mTLS-terminating proxy)', () => {
  let env: TestWorkflowEnvironment;
  let dir: string;
  let certs: ReturnType<typeof makeCerts>;
  let proxy: tls.Server;
  let proxyAddress: string;
  const clientsSeen: string[] = [];
  const handshakeErrors: string[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-tls-'));
    certs = makeCerts(dir);
    env = await createLocalEnv();
    const upstream = env.address;
    const [upHost, upPort] = [
      upstream.slice(0, upstream.lastIndexOf(':')),
      Number(upstream.slice(upstream.lastIndexOf(':') + 1)),
    ];
    proxy = tls.createServer(
      {
        cert: fs.readFileSync(certs.serverCrt),
        key: fs.readFileSync(certs.serverKey),
        ca: fs.readFileSync(certs.ca),
        requestCert: true,
        rejectUnauthorized: true,
        ALPNProtocols: ['h2'],
      },
      (socket) => {
        clientsSeen.push(String(socket.getPeerCertificate().subject?.CN));
        const up = net.connect(upPort, upHost);
        socket.pipe(up).pipe(socket);
        const end = () => {
          socket.destroy();
          up.destroy();
        };
        socket.on('error', end).on('close', end);
        up.on('error', end).on('close', end);
      },
    );
    proxy.on('tlsClientError', (err) => handshakeErrors.push(err.message));
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyAddress = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
  });

  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  afterAll(async () => {
    proxy?.close();
    await env?.teardown();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const mtlsEnv = () => ({
    TEMPORAL_TLS_CERT: certs.clientCrt,
    TEMPORAL_TLS_KEY: certs.clientKey,
    TEMPORAL_TLS_CA: certs.ca,
    TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
  });

  test('the CLI (connectClient) connects with the client certificate and verifies the server by its CA and name', async () => {
    Object.assign(process.env, mtlsEnv());
    const seenBefore = clientsSeen.length;
    const { client, close } = await connectClient(temporalTarget({ address: proxyAddress, namespace: 'default' }));
    try {
      const ns = await client.workflowService.describeNamespace({ namespace: 'default' });
      expect(ns.namespaceInfo?.name).toBe('default');
    } finally {
      await close();
    }
    expect(clientsSeen.slice(seenBefore)).toContain('nsdeploy-client');
  });

  test('the worker (NativeConnection) connects with the same options', async () => {
    const seenBefore = clientsSeen.length;
    const connection = await NativeConnection.connect(temporalConnectionOptions({ address: proxyAddress }, mtlsEnv()));
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toBeTruthy();
    } finally {
      await connection.close();
    }
    expect(clientsSeen.slice(seenBefore)).toContain('nsdeploy-client');
  });

  test('without the client certificate the proxy refuses, and connectClient says where and how it tried', async () => {
    Object.assign(process.env, { TEMPORAL_TLS_CA: certs.ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.test' });
    const errorsBefore = handshakeErrors.length;
    await expect(connectClient(temporalTarget({ address: proxyAddress }))).rejects.toThrow(
      new RegExp(
        `cannot reach Temporal at ${proxyAddress} \\(TLS, server CA from TEMPORAL_TLS_CA, server name temporal.test\\)`,
      ),
    );
    expect(handshakeErrors.slice(errorsBefore).join('\n')).toMatch(/certificate/i);
  });

  test('a server certificate from another CA is refused by the worker', async () => {
    const opts = temporalConnectionOptions({ address: proxyAddress }, { ...mtlsEnv(), TEMPORAL_TLS_CA: certs.otherCa });
    await expect(NativeConnection.connect(opts)).rejects.toThrow(/UnknownIssuer|certificate/i);
  });
});
