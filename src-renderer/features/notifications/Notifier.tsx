// Watches the engine's events and the instance list for what a user wants to hear about even
// when looking elsewhere: a VM that stopped without being asked (it went from running to
// stopped or broken with no Stopping between: the engine announces Stopping for every stop it
// is asked for), an instance's downloads all finished, a download that failed, a guest whose
// provisioning failed. Renders nothing.
import { useEffect, useRef } from 'react';
import type { ApiEvent, Instance, VmState } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';
import { useInstances } from '../../state/queries.ts';
import { downloadFailedTitle } from '../downloads/failure.ts';
import { fileName } from '../downloads/store.ts';
import { brokenReason } from '../instances/broken-reason.ts';
import { deliver } from './deliver.ts';

type Progress = Extract<ApiEvent, { type: 'download-progress' }>;

export function Notifier() {
  useStatusNotifications();
  useDownloadNotifications();
  useProvisioningNotifications();
  return null;
}

function useStatusNotifications(): void {
  const last = useRef(new Map<string, VmState>());
  useEffect(() => api.onEvent((event) => {
    if (event.type !== 'instance-status') return;
    const before = last.current.get(event.name);
    last.current.set(event.name, event.state);
    const wasUp = before === 'Running' || before === 'Paused';
    if (!wasUp || (event.state !== 'Stopped' && event.state !== 'Broken')) return;
    if (event.state === 'Broken') {
      // In the app's words, as its page and row say it: the engine's reason ends with the CLI's remedy.
      deliver({ kind: 'error', title: `${event.name} is broken`, body: brokenReason(event) ?? '', tag: `status-${event.name}` });
      return;
    }
    deliver({ kind: 'error', title: `${event.name} stopped unexpectedly`, body: 'Nobody asked it to stop from Corral: the guest shut down, or its VM process ended.', tag: `status-${event.name}` });
  }), []);
}

function useDownloadNotifications(): void {
  // Per instance: the files of its current batch, and whether any came over the network (a batch of cache hits is not news).
  const batches = useRef(new Map<string, { files: Map<string, Progress>; transferred: boolean }>());
  useEffect(() => api.onEvent((event) => {
    // A driver's upload is not news of its own: the create or start it belongs to says how it ended.
    if (event.type !== 'download-progress' || event.local || event.uploadTo !== undefined) return;
    const batch = batches.current.get(event.instance) ?? { files: new Map<string, Progress>(), transferred: false };
    batches.current.set(event.instance, batch);
    batch.files.set(event.artifact, event);
    if (event.phase === 'download' && event.bytes > 0) batch.transferred = true;
    const file = fileName(event.url);
    if (event.phase === 'failed') {
      batches.current.delete(event.instance);
      deliver({ kind: 'error', title: downloadFailedTitle(file, event.instance), body: event.failure?.text ?? '', tag: `download-${event.instance}` });
      return;
    }
    const phases = [...batch.files.values()].map((p) => p.phase);
    if (!phases.every((phase) => phase === 'done' || phase === 'cancelled')) return;
    batches.current.delete(event.instance);
    const done = [...batch.files.values()].filter((p) => p.phase === 'done').map((p) => fileName(p.url));
    if (!batch.transferred || done.length === 0) return;
    deliver({ kind: 'info', title: `Downloads for ${event.instance} finished`, body: done.join(', '), tag: `download-${event.instance}` });
  }), []);
}

function useProvisioningNotifications(): void {
  const instances = useInstances();
  // Instances whose failure was told (or was there when the page opened: old news).
  const told = useRef<Set<string> | undefined>(undefined);
  useEffect(() => {
    if (!instances.data) return;
    // Only a live VM's: a guest stopped mid-boot reports its killed boot script as failed, which is no news to whoever stopped it.
    const failed = instances.data.filter((i) => (i.state === 'Running' || i.state === 'Paused') && (i.guest?.phase === 'failed' || i.guest?.phase === 'timeout'));
    if (!told.current) {
      told.current = new Set(failed.map((i) => i.name));
      return;
    }
    for (const name of told.current) if (!failed.some((i) => i.name === name)) told.current.delete(name); // a new boot may fail again
    for (const instance of failed) {
      if (told.current.has(instance.name)) continue;
      told.current.add(instance.name);
      // A boot that timed out may have provisioned nothing: its title says what happened, not "failed".
      const title = instance.guest?.phase === 'timeout' ? `${instance.name} did not become ready in time` : `Provisioning ${instance.name} failed`;
      deliver({ kind: 'error', title, body: provisioningText(instance), tag: `guest-${instance.name}` });
    }
  }, [instances.data]);
}

function provisioningText(instance: Instance): string {
  const failure = instance.guest?.failure;
  if (failure) return `${failure.script} exited with status ${failure.exitStatus}`;
  return instance.guest?.phase === 'timeout' ? (instance.guest.message ?? 'The guest did not become ready in time.') : 'A provisioning step failed.';
}
