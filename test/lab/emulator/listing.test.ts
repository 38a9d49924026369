// Pagination, X-Filter and the catalogue (regions, types, images, tags).
import {
  ErrorEnvelopeSchema,
  ImageSchema,
  InstanceSchema,
  LinodeTypeSchema,
  paginatedSchema,
  RegionSchema,
} from '../../../lab/linode-emulator/schemas';
import { toLinodeError } from '../../../src/linode';
import { expectSchema, instanceBody, type Lab, raw, rejectionOf, startLab, WITHOUT_CREATE_LIMIT } from './helpers';
import { createLinode, getImages, getLinodes, getLinodeTypes, getRegions } from './labApi';

let lab: Lab;
const COUNT = 30;

beforeAll(async () => {
  // Long latencies: the instances keep one status while the listing tests run. More creates
  // than Linode's 20 per 15 s: no dedicated create limit here.
  lab = await startLab({ latencies: { provisioningMs: 60_000 }, rateLimit: WITHOUT_CREATE_LIMIT });
  for (let n = 1; n <= COUNT; n++) {
    const region = n % 3 === 0 ? 'eu-west' : 'us-east';
    const tags = n % 2 === 0 ? ['even', 'fleet-a'] : ['odd'];
    await createLinode(instanceBody(`host-${String(n).padStart(2, '0')}`, { region, tags }));
  }
});

afterAll(async () => {
  await lab.stop();
});

const labels = (page: { data: { label: string }[] }): string[] => page.data.map((l) => l.label);

describe('pagination', () => {
  it('defaults to page 1 with 100 per page', async () => {
    const page = expectSchema(paginatedSchema(InstanceSchema), await getLinodes());
    expect(page).toMatchObject({ page: 1, pages: 1, results: COUNT });
    expect(page.data).toHaveLength(COUNT);
  });

  it('splits by page_size (25–500) and serves later pages', async () => {
    const first = await getLinodes({ page: 1, page_size: 25 });
    const second = await getLinodes({ page: 2, page_size: 25 });
    expect(first).toMatchObject({ page: 1, pages: 2, results: COUNT });
    expect(first.data).toHaveLength(25);
    expect(second).toMatchObject({ page: 2, pages: 2, results: COUNT });
    expect(second.data).toHaveLength(5);
    expect(new Set([...labels(first), ...labels(second)]).size).toBe(COUNT);
    const beyond = await getLinodes({ page: 3, page_size: 25 });
    expect(beyond).toMatchObject({ data: [], page: 3, pages: 2, results: COUNT });
  });

  it.each([
    ['page_size=24', 'page_size', 'Must be 25-500'],
    ['page_size=501', 'page_size', 'Must be 25-500'],
    ['page_size=abc', 'page_size', 'Must be 25-500'],
    ['page=0', 'page', 'Must be a positive integer'],
  ])('refuses %s', async (query, field, reason) => {
    const response = await raw(lab.url, `/v4/linode/instances?${query}`);
    expect(response.status).toBe(400);
    expect(expectSchema(ErrorEnvelopeSchema, response.body).errors).toEqual([{ field, reason }]);
  });
});

describe('X-Filter', () => {
  it('filters on field equality (several keys are ANDed)', async () => {
    expect(labels(await getLinodes({}, { label: 'host-07' }))).toEqual(['host-07']);
    expect(labels(await getLinodes({}, { region: 'eu-west', tags: 'even' }))).toEqual([
      'host-06',
      'host-12',
      'host-18',
      'host-24',
      'host-30',
    ]);
  });

  it('treats equality on a list field (tags, ipv4) as membership', async () => {
    expect((await getLinodes({}, { tags: 'fleet-a' })).results).toBe(15);
    const one = (await getLinodes({}, { label: 'host-03' })).data[0];
    expect(labels(await getLinodes({}, { ipv4: one.ipv4[0] }))).toEqual(['host-03']);
  });

  it('supports +or, +and and nesting', async () => {
    expect(labels(await getLinodes({}, { '+or': [{ label: 'host-01' }, { label: 'host-02' }] }))).toEqual([
      'host-01',
      'host-02',
    ]);
    const nested = await getLinodes(
      {},
      {
        '+and': [{ region: 'eu-west' }, { '+or': [{ label: 'host-03' }, { label: 'host-04' }, { label: 'host-09' }] }],
      },
    );
    expect(labels(nested)).toEqual(['host-03', 'host-09']);
  });

  it('supports +contains, +neq and number comparisons', async () => {
    expect(labels(await getLinodes({}, { label: { '+contains': 'st-2' } }))).toHaveLength(10);
    expect((await getLinodes({}, { region: { '+neq': 'us-east' } })).results).toBe(10);
    const first = (await getLinodes({ page_size: 25 })).data[0].id;
    expect((await getLinodes({}, { id: { '+gt': first, '+lte': first + 2 } })).results).toBe(2);
  });

  it('orders with +order_by and +order', async () => {
    const page = await getLinodes({ page_size: 25 }, { '+order_by': 'label', '+order': 'desc' });
    expect(labels(page).slice(0, 3)).toEqual(['host-30', 'host-29', 'host-28']);
  });

  it('answers 400 "Cannot filter on <field>" for fields the spec does not mark Filterable', async () => {
    const err = toLinodeError(await rejectionOf(getLinodes({}, { status: 'running' })));
    expect(err.status).toBe(400);
    expect(err.errors).toEqual([{ field: 'X-Filter', reason: 'Cannot filter on status' }]);
    const nested = toLinodeError(
      await rejectionOf(getLinodes({}, { '+or': [{ label: 'a' }, { image: 'linode/debian12' }] })),
    );
    expect(nested.errors).toEqual([{ field: 'X-Filter', reason: 'Cannot filter on image' }]);
  });

  it('answers 400 for malformed filters', async () => {
    for (const header of ['{nope', '{"label":{"+like":"x"}}', '{"+or":{"label":"a"}}', '[1]']) {
      const response = await raw(lab.url, '/v4/linode/instances', { headers: { 'X-Filter': header } });
      expect(response.status).toBe(400);
      const [error] = expectSchema(ErrorEnvelopeSchema, response.body).errors;
      expect(error.field).toBe('X-Filter');
    }
  });
});

describe('catalogue', () => {
  it('lists regions, types and images in the spec shape', async () => {
    const regions = expectSchema(paginatedSchema(RegionSchema), await getRegions());
    expect(regions.data.map((r) => r.id)).toEqual(['us-east', 'us-west', 'eu-west']);
    const types = expectSchema(paginatedSchema(LinodeTypeSchema), await getLinodeTypes());
    expect(types.data.map((t) => t.id)).toEqual(expect.arrayContaining(['g6-nanode-1', 'g6-standard-1']));
    const images = expectSchema(paginatedSchema(ImageSchema), await getImages());
    expect(images.data.map((i) => i.id)).toEqual(['linode/debian12', 'linode/debian11']);
    expect(images.data[0].capabilities).toContain('cloud-init');
  });

  it('serves single items (image IDs with an encoded or plain slash)', async () => {
    expectSchema(RegionSchema, (await raw(lab.url, '/v4/regions/eu-west')).body);
    expectSchema(LinodeTypeSchema, (await raw(lab.url, '/v4/linode/types/g6-standard-1')).body);
    expectSchema(ImageSchema, (await raw(lab.url, '/v4/images/linode%2Fdebian12')).body);
    expectSchema(ImageSchema, (await raw(lab.url, '/v4/images/linode/debian11')).body);
    expect((await raw(lab.url, '/v4/images/linode/debian7')).status).toBe(404);
  });

  it('filters the catalogue on its Filterable fields only', async () => {
    expect((await getImages({}, { vendor: 'Debian', deprecated: false })).results).toBe(2);
    const standard = await raw(lab.url, '/v4/linode/types', {
      headers: { 'X-Filter': JSON.stringify({ class: 'standard', vcpus: { '+gte': 2 } }) },
    });
    expect((standard.body as { data: { id: string }[] }).data.map((t) => t.id)).toEqual(['g6-standard-2']);
    const byId = await raw(lab.url, '/v4/regions', { headers: { 'X-Filter': '{"id":"us-east"}' } });
    expect(byId.body).toEqual({ errors: [{ field: 'X-Filter', reason: 'Cannot filter on id' }] });
  });
});
