// In the web shell, desktop notifications need the user's permission, asked by a click (browsers
// ignore a request no gesture started). Says what they are for; gone once decided. The
// Electron app shows them without asking.
import { useState } from 'react';
import { webPermission } from './deliver.ts';

export function NotificationPermission() {
  const [permission, setPermission] = useState(webPermission);
  if (permission === 'electron' || permission === 'unsupported' || permission === 'granted') return null;
  if (permission === 'denied') {
    return <p className="notification-permission muted">Desktop notifications are blocked for this page; allow them in the browser's site settings to be told when a VM stops or a download ends.</p>;
  }
  const ask = () => void Notification.requestPermission().then(setPermission);
  return (
    <div className="notification-permission">
      <span>Get a desktop notification when a VM stops unexpectedly, a download ends or provisioning fails.</span>
      <button type="button" onClick={ask}>Allow notifications</button>
    </div>
  );
}
