// Where a notification goes: always the app's own notice bar, and the desktop too when it can
// (Electron: the main process shows Electron's Notification through the bridge; the web shell:
// the Web Notifications API, once the user allowed it).
import { electronBridge } from '../../api/electron.ts';
import { useUi } from '../../state/ui.ts';

export interface AppNotification {
  /** The line in the app and the desktop notification's title. */
  title: string;
  /** More for the desktop notification (the app shows the details where they belong). */
  body?: string;
  kind: 'info' | 'error';
  /** Replaces an earlier desktop notification with the same tag instead of stacking. */
  tag: string;
}

export function deliver(notification: AppNotification): void {
  // In the notice bar only, not repeated in the instance's row: the row shows its own state.
  useUi.getState().notify({ kind: notification.kind, text: notification.title });
  const bridge = electronBridge();
  if (bridge) {
    void bridge.invoke('notify', { title: notification.title, body: notification.body ?? '' });
    return;
  }
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  new Notification(notification.title, { body: notification.body ?? '', tag: notification.tag });
}

/** Whether the browser can show desktop notifications and what the user decided. */
export function webPermission(): NotificationPermission | 'unsupported' | 'electron' {
  if (electronBridge()) return 'electron';
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}
