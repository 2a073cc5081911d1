import SwaggerParser from '@apidevtools/swagger-parser';
import { expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import { login } from './helpers';

/**
 * Issue "Foundation" acceptance: the S-BASIC data center built through REST with an API token made
 * in the console; the OpenAPI document validates; no token or a revoked one gets 401.
 */
test('REST with an API token builds S-BASIC; OpenAPI validates; 401 without or with a revoked token', async ({
  page,
  baseURL,
}) => {
  await login(page);
  await page.goto('/api-tokens');
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.getByRole('dialog').getByLabel('Name', { exact: true }).fill('rest-test');
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  const token = (await page.getByTestId('new-token').textContent())!.trim();
  expect(token).toMatch(/^crt_/);

  const api: APIRequestContext = await playwrightRequest.newContext({
    baseURL,
    extraHTTPHeaders: { authorization: `Bearer ${token}` },
  });
  const post = async (path: string, data: unknown) => {
    const res = await api.post(`/api/v1${path}`, { data });
    expect(res.status(), `${path}: ${await res.text()}`).toBe(200);
    return (await res.json()) as { id: string; name: string } & Record<string, unknown>;
  };
  const listed = async (path: string, id: string) => {
    const res = await api.get(`/api/v1${path}?pageSize=200`);
    expect(res.status()).toBe(200);
    expect(((await res.json()) as { items: Array<{ id: string }> }).items.map((i) => i.id)).toContain(id);
  };

  const zone = await post('/zones', { name: 'REST-ZONE' });
  const cluster = await post('/clusters', { name: 'REST-Cluster', zoneId: zone.id });
  const host = await post('/hosts', {
    name: 'REST-Host',
    clusterId: cluster.id,
    managementIp: '192.168.29.21',
    nics: ['em01', 'em02'],
  });
  const bs = await post('/backup-storages', { name: 'REST-BS', zoneId: zone.id, url: '/zstack_bs' });
  const pubL2 = await post('/l2-networks', {
    name: 'REST-L2-public',
    zoneId: zone.id,
    type: 'novlan',
    physicalNic: 'em01',
    clusterIds: [cluster.id],
  });
  const pubL3 = await post('/l3-networks', {
    name: 'REST-L3-public',
    l2Id: pubL2.id,
    category: 'public',
    dhcpServerIp: '10.108.10.1',
    dnsServers: ['114.114.114.114'],
    range: { method: 'bounds', startIp: '10.108.10.0', endIp: '10.108.11.255', netmask: '255.0.0.0', gateway: '10.0.0.1' },
  });
  expect(pubL3.dhcpServerIp).toBe('10.108.10.1');
  const mgmtL2 = await post('/l2-networks', {
    name: 'REST-L2-mgmt',
    zoneId: zone.id,
    type: 'novlan',
    physicalNic: 'em02',
    clusterIds: [cluster.id],
  });
  const mgmtL3 = await post('/l3-networks', {
    name: 'REST-L3-mgmt',
    l2Id: mgmtL2.id,
    category: 'system',
    dhcpEnabled: false,
    range: {
      method: 'bounds',
      startIp: '192.168.29.30',
      endIp: '192.168.29.40',
      netmask: '255.255.255.0',
      gateway: '192.168.29.1',
    },
  });
  const image = await post('/images', {
    name: 'REST-vrouter-image',
    kind: 'vrouter',
    backupStorageId: bs.id,
    url: 'http://192.0.2.10/zstack-vrouter-3.10.0.qcow2',
  });
  const offering = await post('/vrouter-offerings', {
    name: 'REST-offering',
    zoneId: zone.id,
    cpu: 8,
    memory: 8,
    memoryUnit: 'G',
    imageId: image.id,
    managementL3Id: mgmtL3.id,
    publicL3Id: pubL3.id,
  });
  const privL2 = await post('/l2-networks', {
    name: 'REST-L2-private',
    zoneId: zone.id,
    type: 'vlan',
    vlanId: 2700,
    physicalNic: 'em01',
    clusterIds: [cluster.id],
  });
  const privL3 = await post('/l3-networks', {
    name: 'REST-L3-private',
    l2Id: privL2.id,
    category: 'private',
    type: 'vrouter',
    vrouterOfferingId: offering.id,
    dhcpServerIp: '192.168.10.10',
    range: { method: 'cidr', cidr: '192.168.10.0/24' },
  });
  for (const [path, r] of [
    ['/zones', zone],
    ['/clusters', cluster],
    ['/hosts', host],
    ['/backup-storages', bs],
    ['/l2-networks', privL2],
    ['/l3-networks', privL3],
    ['/images', image],
    ['/vrouter-offerings', offering],
  ] as const) {
    await listed(path, r.id);
  }
  const usage = await api.get(`/api/v1/l3-networks/${privL3.id}/ip-usage`);
  expect(await usage.json()).toMatchObject({ total: 253, used: 1 });

  // A rule violation over REST: 409 with the domain message.
  const overlap = await api.post(`/api/v1/l3-networks/${pubL3.id}/ranges`, {
    data: {
      range: { method: 'bounds', startIp: '10.108.11.0', endIp: '10.108.12.255', netmask: '255.0.0.0', gateway: '10.0.0.1' },
    },
  });
  expect(overlap.status()).toBe(409);
  expect(((await overlap.json()) as { message: string }).message).toContain('overlaps');

  // The OpenAPI document passes a validator library.
  const docRes = await api.get('/api/openapi.json');
  expect(docRes.status()).toBe(200);
  const doc = await docRes.json();
  await expect(SwaggerParser.validate(doc)).resolves.toBeTruthy();
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/zones', '/l3-networks', '/l3-networks/{l3Id}/ranges']));

  // No token → 401.
  const anonymous = await playwrightRequest.newContext({ baseURL });
  expect((await anonymous.get('/api/v1/zones')).status()).toBe(401);

  // Revoke in the console → 401.
  await page.reload();
  await page.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByText('Revoked')).toBeVisible();
  expect((await api.get('/api/v1/zones')).status()).toBe(401);

  // The API reference page renders the document.
  await page.goto('/api-docs');
  await expect(page.getByTestId('api-docs')).toContainText('CloudRouter API');
  await api.dispose();
  await anonymous.dispose();
});
