// The driver the create dialog preselects: a choice of this page's user, kept in this
// browser's localStorage; '' leaves it to the template (its vmType, else qemu).
import { create } from 'zustand';

export const defaultDriverStorageKey = 'corral.defaultDriver';

function stored(): string {
  try {
    return localStorage.getItem(defaultDriverStorageKey) ?? '';
  } catch {
    return '';
  }
}

interface DefaultDriverState {
  driver: string;
  setDriver(driver: string): void;
}

export const useDefaultDriver = create<DefaultDriverState>((set) => ({
  driver: stored(),
  setDriver(driver) {
    try {
      if (driver) localStorage.setItem(defaultDriverStorageKey, driver);
      else localStorage.removeItem(defaultDriverStorageKey);
    } catch {
      // Not stored: it still applies until the page is reloaded.
    }
    set({ driver });
  },
}));
