// Settings: the theme and the default driver (this window's choices, kept in its local
// storage), and what the engine decided when it started (data and download folders, drop-in
// driver folders, trusted signing keys), each with where it is stored and how to change it;
// the download cache can be moved from here (FolderMove.tsx), and so can the instances folder.
import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import type { ReactNode } from 'react';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { useDrivers } from '../../state/queries.ts';
import { themeStorageKey, themes, useTheme } from '../../state/theme.ts';
import type { Theme } from '../../state/theme.ts';
import { NotificationPermission } from '../notifications/NotificationPermission.tsx';
import { FolderMoveButton } from './FolderMove.tsx';
import { defaultDriverStorageKey, useDefaultDriver } from './default-driver.ts';

const themeLabels: Record<Theme, string> = { system: 'System', light: 'Light', dark: 'Dark' };

export function SettingsPage() {
  return (
    <section aria-labelledby="settings-title" className="settings-page">
      <h1 id="settings-title">Settings</h1>
      <ThemeSetting />
      <DefaultDriverSetting />
      <Setting title="Desktop notifications" stored="Decided by the browser for this address (the web shell), or by your desktop's settings (the app).">
        <NotificationPermission inSettings />
      </Setting>
      <EngineSettings />
    </section>
  );
}

function Setting({ title, stored, children }: { title: string; stored: ReactNode; children: ReactNode }) {
  const id = useId();
  return (
    <section className="setting" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
      <p className="stored">{stored}</p>
    </section>
  );
}

function ThemeSetting() {
  const theme = useTheme((s) => s.theme);
  const setTheme = useTheme((s) => s.setTheme);
  return (
    <Setting title="Theme" stored={<>Stored in this window’s local storage (<code>{themeStorageKey}</code>).</>}>
      <div role="radiogroup" aria-label="Theme" className="segmented">
        {themes.map((t) => (
          <label key={t}>
            <input type="radio" name="theme" value={t} checked={theme === t} onChange={() => setTheme(t)} />
            {themeLabels[t]}
          </label>
        ))}
      </div>
    </Setting>
  );
}

function DefaultDriverSetting() {
  const id = useId();
  const drivers = useDrivers();
  const driver = useDefaultDriver((s) => s.driver);
  const setDriver = useDefaultDriver((s) => s.setDriver);
  return (
    <Setting title="Default driver" stored={<>What “New instance…” preselects; “As the template says” uses its vmType, else qemu. Stored in this window’s local storage (<code>{defaultDriverStorageKey}</code>).</>}>
      <label htmlFor={id} className="visually-hidden">Default driver</label>
      <select id={id} value={driver} onChange={(e) => setDriver(e.target.value)}>
        <option value="">As the template says</option>
        {drivers.data?.map((d) => (
          <option key={d.name} value={d.name} disabled={!d.available.ok}>{d.name}{d.available.ok ? '' : ` (unavailable: ${d.available.reason})`}</option>
        ))}
      </select>
    </Setting>
  );
}

function EngineSettings() {
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => api.settings() });
  if (settings.isPending) return <p role="status">Asking the engine…</p>;
  if (settings.isError) return <p role="alert">Could not read the engine’s settings: {errorMessage(settings.error)}</p>;
  const { home, cache, instances, driverFolders, trustedKeys } = settings.data;
  const restart = 'Read-only here: the engine fixes it when it starts. To change it, restart Corral with another value.';
  return (
    <>
      <Setting title="Data folder" stored={<>{home.source} {restart}</>}>
        <p><code className="path">{home.path}</code></p>
        <p className="help">Installed drivers, logs, Corral’s SSH key, and the instances unless they were moved.</p>
      </Setting>
      <Setting title="Download cache" stored={cache.fixedBy
        // The fixing option is the whole story: the usual origin beside it contradicted it.
        ? `Set by ${cache.fixedBy}, so Move… cannot change it.`
        : `${cache.source} Move… moves the files and records the new folder in the data folder.`}>
        <p className="setting-path"><code className="path">{cache.path}</code> <FolderMoveButton folder="cache" current={cache.path} fixedBy={cache.fixedBy} /></p>
        <p className="help">Images and archives downloaded for instances, shared between them.</p>
      </Setting>
      <Setting title="Instances folder" stored={<>{instances.source} Move… moves every instance (all must be stopped) and records the new folder in the data folder.</>}>
        <p className="setting-path"><code className="path">{instances.path}</code> <FolderMoveButton folder="instances" current={instances.path} fixedBy={undefined} /></p>
        <p className="help">Each instance’s config, disks and logs. Later starts use the new folder.</p>
      </Setting>
      <Setting title="Driver folders" stored={<>Bundles placed in these folders are installed at the next start. {restart}</>}>
        <ul className="plain">
          {driverFolders.map((f) => <li key={f.path}><code className="path">{f.path}</code> <span className="help">({f.source})</span></li>)}
        </ul>
      </Setting>
      <Setting title="Trusted signing keys" stored={<>Stored in <code className="path">{trustedKeys.file}</code> (a list of {'{ name, publicKey }'}), read at every install. Read-only here: edit that file to add or remove a key.</>}>
        {trustedKeys.problem ? <p role="alert" className="field-error">{trustedKeys.problem}</p> : null}
        {trustedKeys.keys.length === 0 && !trustedKeys.problem
          ? <p className="help">None: every signed bundle shows only its key’s fingerprint when you install it.</p>
          : (
            <ul className="plain">
              {trustedKeys.keys.map((k) => <li key={k.fingerprint}><strong>{k.name}</strong> <code className="path">{k.fingerprint}</code></li>)}
            </ul>
          )}
      </Setting>
    </>
  );
}
