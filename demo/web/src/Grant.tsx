/** A grant as code, breakable before its `@resource` so long scoped grants wrap at a sensible place. */
export function Grant({ grant }: { grant: string }) {
  const at = grant.indexOf('@');
  if (at === -1) return <code>{grant}</code>;
  return (
    <code>
      {grant.slice(0, at)}
      <wbr />
      {grant.slice(at)}
    </code>
  );
}
