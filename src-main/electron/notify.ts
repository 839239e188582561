// The bridge's `notify`: the page's request for a desktop notification, checked (text only,
// bounded) before main shows it. No run-time `electron` import: ipc.ts passes the function
// that calls Electron's Notification.
import { desktopNotificationSchema } from '../api/bridge.ts';
import type { DesktopNotification, InvokeReply } from '../api/bridge.ts';

export function showNotification(payload: unknown, show: (notification: DesktopNotification) => void): InvokeReply {
  const parsed = desktopNotificationSchema.safeParse(payload);
  if (!parsed.success) {
    return { ok: false, error: { code: 'INVALID_CONFIG', message: `bad notification: ${parsed.error.issues[0]?.message ?? 'invalid'}`, details: {} } };
  }
  show(parsed.data);
  return { ok: true, value: null };
}
