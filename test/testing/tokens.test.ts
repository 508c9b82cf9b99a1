import { describe, expect, it, vi } from 'vitest';
import { signedInSocket, tick, useFake } from './harness';

const { fake } = useFake();
const NOON = Date.UTC(2026, 0, 1, 12);

/** A JWT made by hand from the text of its claims, so that they can be what JSON.stringify never writes. */
const handMade = (claimsJson: string) =>
  `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(claimsJson).toString('base64url')}.sig`;

describe('the fake’s tokens', () => {
  it('makes fake.token() a compact JWT: unpadded base64url parts that decode to an HS256 header and the claims', () => {
    vi.setSystemTime(NOON);
    // This name's claims are "+", "/" and "==" in plain base64.
    const token = fake.token({ name: 'z?>~~' });
    const claims = { sub: '1', name: 'z?>~~', aud: 'permsocket', iat: NOON / 1000, exp: NOON / 1000 + 300 };
    expect(Buffer.from(JSON.stringify(claims)).toString('base64')).toMatch(/\+.*\/.*==$|\/.*\+.*==$/);
    const [header, payload, signature] = token.split('.');
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toEqual(claims);
    expect(signature).toBe('fake-signature');
  });

  it.each([
    ['too large for a number', '{"sub":"1","exp":1e400}'],
    ['a string', '{"sub":"1","exp":"1767268800"}'],
  ])('gives a token whose exp is %s the tokenTtl lifetime, as one without exp', async (_name, claims) => {
    vi.setSystemTime(NOON);
    const raw = await signedInSocket(fake, handMade(claims));
    expect(raw.received[0]).toMatchObject({ exp: NOON / 1000 + 300 });
  });

  it('takes a refresh by anyone after a token whose sub is not a string (it names no user)', async () => {
    const raw = await signedInSocket(fake, handMade('{"sub":7}'));
    raw.send({ type: 'auth.refresh', token: fake.token() });
    await tick(0);
    expect(raw.received.map((frame) => frame.type)).toEqual(['auth.ok', 'auth.ok']);
  });
});
