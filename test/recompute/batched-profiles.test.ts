import type { Profile } from '../../src/engine';
import { batchProfileReads } from '../../src/recompute/batched-profiles';
import type { Tenant } from '../../src/store/tables';

const tenant = (id: string) => ({ id }) as Tenant;

describe('profile reads of recomputes running together', () => {
  it('become one batch call per tenant and record type, each caller getting its own contact', async () => {
    const calls: Array<[string, string, string[]]> = [];
    const read = batchProfileReads(async (t, objectType, ids) => {
      calls.push([t.id, objectType, ids]);
      return new Map(ids.map((id) => [id, { firstName: `n${id}`, attributes: {} } as Profile]));
    }, { waitMs: 5 });
    const got = await Promise.all([
      read(tenant('a'), 'contact', ['1']), read(tenant('a'), 'contact', ['2']), read(tenant('a'), 'lead', ['3']), read(tenant('b'), 'contact', ['1']),
    ]);
    expect(calls.sort()).toEqual([['a', 'contact', ['1', '2']], ['a', 'lead', ['3']], ['b', 'contact', ['1']]]);
    expect(got[1]!.get('2')!.firstName).toBe('n2');
  });

  it('sends a full batch at once, and hands a failed read to every caller in it', async () => {
    let n = 0;
    const read = batchProfileReads(async (_t, _o, ids) => {
      n++;
      if (ids.includes('bad')) throw new Error('HubSpot said 500');
      return new Map();
    }, { waitMs: 10_000, max: 2 });
    await Promise.all([read(tenant('a'), 'contact', ['1']), read(tenant('a'), 'contact', ['2'])]); // did not wait 10 s
    expect(n).toBe(1);
    const failing = [read(tenant('a'), 'contact', ['bad']), read(tenant('a'), 'contact', ['3'])];
    await expect(Promise.all(failing)).rejects.toThrow('HubSpot said 500');
    await expect(failing[1]).rejects.toThrow('HubSpot said 500');
  });
});
