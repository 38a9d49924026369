// Payload encryption end to end on the real dev server: a client and a worker with the codec
// run the durable wait; its result decodes with the codec, while the raw history (what the Web
// UI and anyone with only server access see) holds only ciphertext. Then the codec server,
// over real HTTP on 127.0.0.1, decodes those payloads for the Web UI's origin.
import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { dataConverter, EncryptionCodec, ENCODING_ENCRYPTED, METADATA_KEY_ID } from '../../src/codec';
import { startCodecServer } from '../../src/codec/server';
import { waitStatusQuery, type WaitStatus } from '../../src/shared';
import { durableWait } from '../../src/workflows';
import { readableHistory } from '../helpers/histories';
import { freePort } from '../../testkit/ports';
import { bundleWorkflows, createLocalEnv } from '../../testkit/temporalEnv';

const UI_ORIGIN = 'http://127.0.0.1:8233';
const TASK_QUEUE = 'codec';
const KEY_ENV = { NSDEPLOY_CODEC_KEY: crypto.randomBytes(32).toString('base64'), NSDEPLOY_CODEC_KEY_ID: 'test-2026' };
// Text that must never appear in plaintext on the server: it is in the input, the timer
// summary, the current details, the query answers and the result.
const LABEL = `confidential-label-${crypto.randomBytes(6).toString('hex')}`;
const WORKFLOW_ID = 'codec-wait'; // the ID itself is never encrypted, so it does not contain the label

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}
const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

/** Every payload in a proto-JSON history, with the path it was found at. */
function payloadsOf(json: string): { path: string; payload: JsonPayload }[] {
  const found: { path: string; payload: JsonPayload }[] = [];
  const walk = (v: unknown, at: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.metadata && typeof o.metadata === 'object' && 'encoding' in o.metadata)
        found.push({ path: at, payload: o as JsonPayload });
      else for (const [k, x] of Object.entries(o)) walk(x, `${at}.${k}`);
    }
  };
  walk(JSON.parse(json), '');
  return found;
}

let env: TestWorkflowEnvironment;
const namespace = () => env.namespace ?? 'default';
let server: FastifyInstance | undefined;
let historyJson: string;
beforeAll(async () => {
  env = await createLocalEnv();
});
afterAll(async () => {
  await server?.close();
  await env?.teardown();
});

test('a workflow run with the codec: the result decodes with the key, the history holds only ciphertext', async () => {
  const converter = dataConverter(KEY_ENV);
  expect(converter).toBeDefined();
  const client = new Client({ connection: env.connection, namespace: namespace(), dataConverter: converter });
  const plainClient = env.client; // same server, no codec: what an operator without the key gets
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: namespace(),
    taskQueue: TASK_QUEUE,
    workflowBundle: await bundleWorkflows(),
    dataConverter: converter,
  });

  const { result, metadataAnswer } = await worker.runUntil(async () => {
    const handle = await client.workflow.start(durableWait, {
      taskQueue: TASK_QUEUE,
      workflowId: WORKFLOW_ID,
      args: [{ fleet: 'lab', label: LABEL, durationMs: 3000 }],
      memo: { note: LABEL },
    });
    // While it waits: the query through the codec client answers in clear...
    let status: WaitStatus | undefined;
    for (let i = 0; i < 50 && !status; i++) status = await handle.query(waitStatusQuery).catch(() => undefined);
    expect(status?.label).toBe(LABEL);
    // ...and the Web UI's "current details" query, asked raw, answers with ciphertext.
    const metadataAnswer = await env.connection.workflowService.queryWorkflow({
      namespace: namespace(),
      execution: { workflowId: WORKFLOW_ID },
      query: { queryType: '__temporal_workflow_metadata' },
    });
    return { result: await handle.result(), metadataAnswer };
  });
  expect(result).toMatchObject({ label: LABEL, done: true });

  const answer = metadataAnswer.queryResult?.payloads ?? [];
  expect(answer).toHaveLength(1);
  expect(Buffer.from(answer[0]!.metadata!.encoding!).toString()).toBe(ENCODING_ENCRYPTED);
  expect(Buffer.from(answer[0]!.data!).toString('latin1')).not.toContain(LABEL);
  const details = (
    await new EncryptionCodec({
      currentId: 'test-2026',
      keys: new Map([['test-2026', Buffer.from(KEY_ENV.NSDEPLOY_CODEC_KEY, 'base64')]]),
    }).decode(answer)
  )[0]!;
  expect(JSON.stringify(defaultPayloadConverter.fromPayload(details))).toContain(LABEL); // the details really were there

  // Without the codec: the result cannot be read, and the history shows only ciphertext.
  const plainHandle = plainClient.workflow.getHandle(WORKFLOW_ID);
  await expect(plainHandle.result()).rejects.toThrow(/binary\/encrypted/);
  historyJson = historyToJSON(await plainHandle.fetchHistory());
  expect(historyJson).toContain('timerStartedEventAttributes'); // the wait really ran
  expect(readableHistory(historyJson)).not.toContain(LABEL); // every payload base64-decoded: no label anywhere

  const payloads = payloadsOf(historyJson);
  const searchAttributes = payloads.filter((p) => p.path.includes('.searchAttributes.'));
  const others = payloads.filter((p) => !p.path.includes('.searchAttributes.'));
  // Input, memo, timer summary, result, ...: all encrypted, all with the key ID.
  expect(others.map((p) => p.path)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/workflowExecutionStartedEventAttributes\.input\.payloads/),
      expect.stringMatching(/workflowExecutionStartedEventAttributes\.memo\.fields\.note/),
      expect.stringMatching(/userMetadata\.summary/),
      expect.stringMatching(/workflowExecutionCompletedEventAttributes\.result\.payloads/),
    ]),
  );
  for (const { path, payload } of others) {
    expect({
      path,
      encoding: unb64(payload.metadata!.encoding),
      keyId: unb64(payload.metadata![METADATA_KEY_ID]),
    }).toEqual({
      path,
      encoding: ENCODING_ENCRYPTED,
      keyId: 'test-2026',
    });
  }
  // Search attributes are never encrypted (the server indexes them): Fleet and DeployPhase stay visible.
  expect(searchAttributes.map((p) => unb64(p.payload.data))).toEqual(expect.arrayContaining(['"lab"', '"done"']));
});

test("the codec server decodes the history's payloads over HTTP for the Web UI origin, and nothing for other origins", async () => {
  const codec = new EncryptionCodec({
    currentId: 'test-2026',
    keys: new Map([['test-2026', Buffer.from(KEY_ENV.NSDEPLOY_CODEC_KEY, 'base64')]]),
  });
  const started = await startCodecServer({ codec, port: 0 });
  server = started.app;
  const url = started.url;
  expect(historyJson).toBeDefined(); // from the test above
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

  // CORS preflight, as the browser sends it before the Web UI's POST.
  const preflight = await fetch(`${url}/decode`, {
    method: 'OPTIONS',
    headers: {
      Origin: UI_ORIGIN,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type,x-namespace',
    },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
  expect(preflight.headers.get('access-control-allow-headers')).toMatch(/content-type.*x-namespace/);
  expect(preflight.headers.get('access-control-allow-private-network')).toBeNull();
  const remoteUi = await fetch(`${url}/decode`, {
    method: 'OPTIONS',
    headers: {
      Origin: UI_ORIGIN,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Private-Network': 'true',
    },
  });
  expect(remoteUi.headers.get('access-control-allow-private-network')).toBe('true');

  // The workflow's input, exactly as the Web UI gets it from the server (proto JSON).
  const input = payloadsOf(historyJson).find((p) =>
    p.path.includes('workflowExecutionStartedEventAttributes.input'),
  )!.payload;
  const post = (path: string, body: unknown, origin = UI_ORIGIN) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { Origin: origin, 'Content-Type': 'application/json', 'X-Namespace': 'default' },
      body: JSON.stringify(body),
    });

  const decoded = await post('/decode', { payloads: [input] });
  expect(decoded.status).toBe(200);
  expect(decoded.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  const [clear] = ((await decoded.json()) as { payloads: JsonPayload[] }).payloads;
  expect(unb64(clear!.metadata!.encoding)).toBe('json/plain');
  expect(JSON.parse(unb64(clear!.data))).toMatchObject({ fleet: 'lab', label: LABEL, durationMs: 3000 });

  // /encode: the server encrypts, the codec decrypts.
  const encoded = await post('/encode', {
    payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64('"from the UI"') }],
  });
  expect(encoded.status).toBe(200);
  const [sealed] = ((await encoded.json()) as { payloads: JsonPayload[] }).payloads;
  expect(unb64(sealed!.metadata!.encoding)).toBe(ENCODING_ENCRYPTED);
  const [opened] = await codec.decode([
    {
      metadata: {
        encoding: Buffer.from(sealed!.metadata!.encoding!, 'base64'),
        [METADATA_KEY_ID]: Buffer.from(sealed!.metadata![METADATA_KEY_ID]!, 'base64'),
      },
      data: Buffer.from(sealed!.data!, 'base64'),
    },
  ]);
  expect(defaultPayloadConverter.fromPayload(opened!)).toBe('from the UI');

  // Any other origin: refused, no CORS grant, no plaintext.
  const evil = await post('/decode', { payloads: [input] }, 'http://evil.example');
  expect(evil.status).toBe(403);
  expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  expect(await evil.text()).not.toContain(b64(LABEL).slice(0, 12));
  const evilPreflight = await fetch(`${url}/decode`, {
    method: 'OPTIONS',
    headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' },
  });
  expect(evilPreflight.headers.get('access-control-allow-origin')).toBeNull();

  // Bad requests and payloads under a key the server does not have: clear errors.
  expect((await post('/decode', { nope: 1 })).status).toBe(400);
  const other = await startCodecServer({
    codec: new EncryptionCodec({ currentId: 'other', keys: new Map([['other', crypto.randomBytes(32)]]) }),
    port: 0,
  });
  try {
    const res = await fetch(`${other.url}/decode`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ payloads: [input] }),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toContain(
      'encryption key ID "test-2026" is not in the keyring',
    );
  } finally {
    await other.app.close();
  }
});

test('the Web UI started with --ui-codec-endpoint points the browser at the codec server, and its API serves only ciphertext', async () => {
  const codec = new EncryptionCodec({
    currentId: 'test-2026',
    keys: new Map([['test-2026', Buffer.from(KEY_ENV.NSDEPLOY_CODEC_KEY, 'base64')]]),
  });
  const codecServer = await startCodecServer({ codec, port: 0 });
  const uiPort = await freePort();
  // The dev server as docs/encryption.md starts it, this time with the Web UI.
  const uiEnv = await createLocalEnv({ uiPort, extraArgs: ['--ui-codec-endpoint', codecServer.url] });
  try {
    const ui = `http://127.0.0.1:${uiPort}`;
    const settings = (await (await fetch(`${ui}/api/v1/settings`)).json()) as { Codec: { Endpoint: string } };
    expect(settings.Codec.Endpoint).toBe(codecServer.url);

    const converter = dataConverter(KEY_ENV);
    const client = new Client({ connection: uiEnv.connection, namespace: 'default', dataConverter: converter });
    const worker = await Worker.create({
      connection: uiEnv.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: await bundleWorkflows(),
      dataConverter: converter,
    });
    await worker.runUntil(
      client.workflow.execute(durableWait, {
        taskQueue: TASK_QUEUE,
        workflowId: WORKFLOW_ID,
        args: [{ fleet: 'lab', label: LABEL, durationMs: 200 }],
      }),
    );

    // What the Web UI's browser code receives for the history page.
    const res = await fetch(`${ui}/api/v1/namespaces/default/workflows/${WORKFLOW_ID}/history`);
    expect(res.status).toBe(200);
    const uiHistory = await res.text();
    expect(uiHistory).toContain('workflowExecutionCompletedEventAttributes');
    expect(readableHistory(uiHistory)).not.toContain(LABEL);
    const input = payloadsOf(uiHistory).find((p) =>
      p.path.includes('workflowExecutionStartedEventAttributes.input'),
    )!.payload;
    expect(unb64(input.metadata!.encoding)).toBe(ENCODING_ENCRYPTED);

    // The browser then asks the codec server, which has the key.
    const decoded = await fetch(`${codecServer.url}/decode`, {
      method: 'POST',
      headers: { Origin: `http://127.0.0.1:${uiPort}`, 'Content-Type': 'application/json', 'X-Namespace': 'default' },
      body: JSON.stringify({ payloads: [input] }),
    });
    expect(decoded.status).toBe(403); // this UI runs on another port than the default origins allow...
    const allowed = await startCodecServer({ codec, port: 0, uiOrigins: [`http://127.0.0.1:${uiPort}`] }); // ...so: --ui-origin
    try {
      const ok = await fetch(`${allowed.url}/decode`, {
        method: 'POST',
        headers: { Origin: `http://127.0.0.1:${uiPort}`, 'Content-Type': 'application/json', 'X-Namespace': 'default' },
        body: JSON.stringify({ payloads: [input] }),
      });
      expect(ok.status).toBe(200);
      const [clear] = ((await ok.json()) as { payloads: JsonPayload[] }).payloads;
      expect(JSON.parse(unb64(clear!.data)).label).toBe(LABEL);
    } finally {
      await allowed.app.close();
    }
  } finally {
    await uiEnv.teardown();
    await codecServer.app.close();
  }
});
