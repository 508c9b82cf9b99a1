/** Formats the token's remaining lifetime: tenths of a second when short, m:ss otherwise. */
export function formatLifetime(ms: number): string {
  if (ms <= 0) return 'expired';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
