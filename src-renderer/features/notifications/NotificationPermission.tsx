// In the web shell, desktop notifications need the user's permission, asked by a click (browsers
// ignore a request no gesture started). Says what they are for. The Electron app shows them
// without asking.
import { useState } from 'react';
import { webPermission } from './deliver.ts';

const settled = {
  electron: 'The app shows them: when a VM stops unexpectedly, a download ends or provisioning fails.',
  granted: 'Allowed for this page: you are told when a VM stops unexpectedly, a download ends or provisioning fails.',
  unsupported: 'This browser has no desktop notifications; what they would say shows in the page.',
} as const;

/**
 * `inSettings`: the Settings page's setting, plain text in its card, which also says how things
 * stand once decided. Elsewhere (Downloads) a callout, gone once decided.
 */
export function NotificationPermission({ inSettings = false }: { inSettings?: boolean }) {
  const [permission, setPermission] = useState(webPermission);
  if (permission === 'electron' || permission === 'unsupported' || permission === 'granted') {
    return inSettings ? <p className="help">{settled[permission]}</p> : null;
  }
  if (permission === 'denied') {
    return <p className={inSettings ? 'help' : 'notification-permission muted'}>Desktop notifications are blocked for this page; allow them in the browser's site settings to be told when a VM stops or a download ends.</p>;
  }
  const ask = () => void Notification.requestPermission().then(setPermission);
  const offer = 'Get a desktop notification when a VM stops unexpectedly, a download ends or provisioning fails.';
  const button = <button type="button" onClick={ask}>Allow notifications</button>;
  if (inSettings) return <><p className="help">{offer}</p>{button}</>;
  return (
    <div className="notification-permission">
      <span>{offer}</span>
      {button}
    </div>
  );
}
