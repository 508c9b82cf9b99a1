/**
 * The 64 KiB frame limit is counted in bytes of UTF-8, as they travel: an emoji (a surrogate pair
 * in a JavaScript string) is 4 bytes, not 2 units and not 6 bytes.
 */
import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, parseClientFrame, utf8Length } from '../../src/protocol';

/** A ping frame of exactly `bytes` bytes of UTF-8, padded with `unit` (then ASCII for the rest). */
function frameOfBytes(bytes: number, unit: string): string {
  const head = '{"type":"ping","pad":"';
  const tail = '"}';
  let room = bytes - head.length - tail.length;
  let pad = unit.repeat(Math.floor(room / Buffer.byteLength(unit)));
  room -= Buffer.byteLength(pad);
  pad += 'a'.repeat(room);
  return head + pad + tail;
}

describe('utf8Length', () => {
  it.each([
    ['ASCII up to U+007F', 'a\u007f'],
    ['two-byte characters from U+0080 to U+07FF', '\u0080\u07ff'],
    ['three-byte characters from U+0800', '\u0800€'],
    ['three-byte characters on either side of the surrogate range', '\ud7ff\ue000\uffff'],
    ['four-byte characters written as surrogate pairs', '\u{10000}😀𝄞\u{10ffff}'],
    ['a mix of all four', 'aé€😀'],
  ])('counts %s as UTF-8 does', (_, text) => {
    expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
  });

  it('counts an emoji as 4 bytes', () => {
    expect(utf8Length('😀')).toBe(4);
    expect(utf8Length('😀'.repeat(1_000))).toBe(4_000);
  });
});

describe('the 64 KiB limit with four-byte characters', () => {
  it('accepts a frame of exactly 64 KiB made of emoji', () => {
    const text = frameOfBytes(MAX_FRAME_BYTES, '😀');
    expect(Buffer.byteLength(text)).toBe(MAX_FRAME_BYTES);
    expect(parseClientFrame(text).ok).toBe(true);
  });

  it('refuses one byte more with 1009', () => {
    expect(parseClientFrame(frameOfBytes(MAX_FRAME_BYTES + 1, '😀'))).toMatchObject({ ok: false, action: 'close', code: 1009 });
  });

  it('accepts exactly 64 KiB of three-byte characters right next to the surrogate range', () => {
    expect(parseClientFrame(frameOfBytes(MAX_FRAME_BYTES, '\ud7ff')).ok).toBe(true);
    expect(parseClientFrame(frameOfBytes(MAX_FRAME_BYTES + 1, '\ue000'))).toMatchObject({ code: 1009 });
  });
});
