/**
 * Blind transfer: pick a Ready agent (name, teams) from the list the server
 * says this conversation may go to — its team policy decides, not the UI.
 */
import { useEffect, useState } from 'preact/hooks';
import type { EarshotClient, TransferTarget } from '../../sdk';
import type { Notices } from '../../ui/notices';

export function TransferPicker({ id, client, notices }: { id: string; client: EarshotClient; notices: Notices }) {
  const [targets, setTargets] = useState<TransferTarget[] | null>(null);
  const [to, setTo] = useState('');
  const load = async (): Promise<void> => {
    const list = await client.transferTargets(id);
    setTargets(list);
    setTo((cur) => (list.some((t) => t.user_id === cur) ? cur : (list[0]?.user_id ?? '')));
  };
  useEffect(() => {
    void load().catch(() => setTargets([]));
  }, [id]);
  const empty = targets !== null && targets.length === 0;
  return (
    <form
      class="inline-form transfer"
      onSubmit={(e) => {
        e.preventDefault();
        if (to) void notices.run(() => client.transfer(id, to));
      }}
    >
      <label for={`transfer-${id}`}>Transfer to</label>
      <select id={`transfer-${id}`} data-testid="transfer-target" value={to} disabled={!targets?.length} onChange={(e) => setTo((e.target as HTMLSelectElement).value)}>
        {targets === null && <option value="">Loading agents…</option>}
        {empty && <option value="">No Ready agent in your teams</option>}
        {targets?.map((t) => (
          <option key={t.user_id} value={t.user_id}>
            {t.name} · {t.teams.join(', ')}
          </option>
        ))}
      </select>
      <button type="button" onClick={() => void notices.run(load)} disabled={notices.busy}>
        Refresh
      </button>
      <button type="submit" disabled={!to || notices.busy}>
        Transfer
      </button>
    </form>
  );
}
