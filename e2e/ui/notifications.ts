// Desktop notifications as the browser really showed them: an init script wraps the real
// Notification and keeps each shown one's title and body, for specs to wait on and read.
import type { Page } from 'playwright-core';

export interface ShownNotification {
  title: string;
  body: string;
}

/** For `addInitScript`: records every notification whose 'show' event fired, in order. */
export const recordNotifications = `
  window.shownNotifications = [];
  const Real = window.Notification;
  class Observed extends Real {
    constructor(title, options) {
      super(title, options);
      this.addEventListener('show', () => window.shownNotifications.push({ title, body: options?.body ?? '' }));
    }
  }
  Object.defineProperty(Observed, 'permission', { get: () => Real.permission });
  Observed.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Observed;
`;

export function shownNotifications(page: Page): Promise<ShownNotification[]> {
  return page.evaluate(() => (globalThis as unknown as { shownNotifications: ShownNotification[] }).shownNotifications);
}

/** The first notification shown (now or later) whose title `matches`. */
export async function waitForNotification(page: Page, matches: { title: string } | { titleStartsWith: string }, timeout = 60_000): Promise<ShownNotification> {
  const shown = await page.waitForFunction((wanted) => (globalThis as unknown as { shownNotifications: ShownNotification[] }).shownNotifications
    .find((n) => ('title' in wanted ? n.title === wanted.title : n.title.startsWith(wanted.titleStartsWith))), matches, { timeout });
  return await shown.jsonValue() as ShownNotification;
}
