/** A chat command for each canned query that finds rows in the embedded tenant's current tables. */
import type { Tenant } from '@irm-bot/defender-tenant';

type Tables = Tenant['state']['hunting'];

/** The value seen most often (the user with the most activity, say): a hunt about it has rows. */
function mostCommon(values: readonly unknown[]): string {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== '' && v !== null && v !== undefined) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
}

export function huntCommandFor(tables: Tables, query: string): string {
  switch (query) {
    case 'uploads':
      return 'hunt uploads ext=.zip days=30';
    case 'user-activity':
      return `hunt user-activity user=${mostCommon(tables.DataSecurityEvents.map((r) => r.AccountUpn))}`;
    case 'user-behaviors':
      return `hunt user-behaviors user=${mostCommon(tables.DataSecurityBehaviors.map((r) => r.AccountUpn))}`;
    case 'user-alerts':
      return `hunt user-alerts user=${mostCommon(tables.AlertEvidence.map((r) => r.AccountUpn))}`;
    case 'alert-evidence': {
      // Prefer an Entra ID Protection alert: its address evidence is a JSON object in AdditionalFields.
      const row = tables.AlertEvidence.find((r) => r.EntityType === 'Ip') ?? tables.AlertEvidence[0];
      return `hunt alert-evidence alert=${String(row?.AlertId ?? '')}`;
    }
    case 'top-risky-users':
      return 'hunt top-risky-users days=30';
    case 'removable-media':
      return 'hunt removable-media days=30';
    case 'label-downgrades':
      return 'hunt label-downgrades days=30';
    default:
      throw new Error(`No command for the query ${query}`);
  }
}

/** Whether the tables hold something for every canned query to find (with the commands above). */
export function everyQueryHasRows(tables: Tables): boolean {
  const events = tables.DataSecurityEvents;
  return (
    events.some((r) => String(r.ActionType).startsWith('FileUploaded') && String(r.ObjectName).toLowerCase().endsWith('.zip')) &&
    events.some((r) => r.ActionType === 'FileCopiedToRemovableMedia') &&
    events.some((r) => String(r.ActionType).startsWith('SensitivityLabel')) &&
    tables.AlertEvidence.some((r) => r.EntityType === 'Ip') &&
    tables.DataSecurityBehaviors.some((r) => r.IsAnomalous === true)
  );
}
