import { capturingLogger } from '../helpers/logs';

describe('what reaches a log line', () => {
  it('redacts secret-looking keys at any depth and masks email addresses inside messages', () => {
    const { log, lines } = capturingLogger();
    log.warn('writer.dead_letter', { tenantId: 't1', tenant: { id: 't1', accessToken: 'at-123', nested: { refresh_token: 'rt-456' } }, error: 'INVALID_EMAIL_ADDRESS: jane.doe@acme.io is not valid', items: [{ email: 'bob@x.io' }] });
    const line = lines.join('');
    expect(line).not.toMatch(/at-123|rt-456|jane\.doe@acme\.io|bob@x\.io/);
    const parsed = JSON.parse(lines[0]!) as { tenantId: string; tenant: { id: string; accessToken: string }; error: string; message: string };
    expect(parsed).toMatchObject({ message: 'writer.dead_letter', tenantId: 't1', tenant: { id: 't1', accessToken: '[redacted]' }, error: 'INVALID_EMAIL_ADDRESS: [email] is not valid' });
  });
});
