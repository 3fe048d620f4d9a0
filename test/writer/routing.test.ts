import { routeOwner, routingOf } from '../../src/writer/routing';

describe('routing a task for a contact nobody owns', () => {
  const routing = routingOf({ routing: { rules: [{ field: 'country', values: ['Germany', 'Austria'], ownerId: 'dach' }, { field: 'emailDomain', values: ['acme.io'], ownerId: 'key-accounts' }, { field: 'country', values: ['germany'], ownerId: 'never' }], defaultOwnerId: 'pool' } });

  it('takes the first rule whose field holds one of its values, ignoring case and spaces', () => {
    expect(routeOwner(routing, { country: ' GERMANY ', attributes: {} })).toBe('dach');
    expect(routeOwner(routing, { email: 'jo@acme.io', country: 'France', attributes: {} })).toBe('key-accounts');
  });

  it('falls back to the default owner, and to nobody without one', () => {
    expect(routeOwner(routing, { country: 'France', attributes: {} })).toBe('pool');
    expect(routeOwner(routingOf({}), { country: 'France', attributes: {} })).toBeUndefined();
  });

  it('reads unusable settings as no routing rather than failing the writer', () => {
    expect(routingOf({ routing: { rules: 'all to Sam' } })).toEqual({ rules: [] });
  });
});
