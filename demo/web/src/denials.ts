/** Words for a refused request, saying who refused it. */
import type { PermissionDenial } from 'permsocket';

/** "Refused by the server: chat.send needs chat.send_message on room:general". */
export function describeDenial(denial: PermissionDenial): string {
  const who = denial.source === 'server' ? 'Refused by the server' : 'Refused locally (never sent)';
  const what = denial.permission ? ` needs ${denial.permission}${denial.resource ? ` on ${denial.resource}` : ''}` : ' is not allowed';
  return `${who}: ${denial.action}${what}`;
}
