/** The user's current grants and their version, updated live from every snapshot. */
import { Grant } from './Grant';
import { usePermissions } from './permsocket';

/** The permission panel: the grants of the current snapshot and its version. */
export function PermissionPanel() {
  const permissions = usePermissions();
  return (
    <section className="card permissions" aria-labelledby="permissions-title">
      <h2 id="permissions-title">
        Your permissions <span className="version" data-testid="permissions-version">v{permissions.version}</span>
      </h2>
      {permissions.grants.length === 0 ? (
        <p className="notice">No grants.</p>
      ) : (
        <ul aria-label="Grants">
          {permissions.grants.map((grant) => (
            <li key={grant}>
              <Grant grant={grant} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
