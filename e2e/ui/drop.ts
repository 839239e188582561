// Dropping a file on a page the way the OS does it, for the drag-and-drop install specs.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';

/** Drags `file` over the page and drops it, as the OS would: dragenter, dragover, drop with a real File. */
export async function dropFile(page: Page, file: string, steps: { beforeDrop?: () => Promise<void> } = {}): Promise<void> {
  const bytes = (await fs.readFile(file)).toString('base64');
  // Page code as a string: this file is type-checked without the DOM library.
  const dataTransfer = await page.evaluateHandle(`(() => {
    const transfer = new DataTransfer();
    const data = Uint8Array.from(atob(${JSON.stringify(bytes)}), (c) => c.charCodeAt(0));
    transfer.items.add(new File([data], ${JSON.stringify(path.basename(file))}, { type: 'application/octet-stream' }));
    return transfer;
  })()`);
  await page.dispatchEvent('main', 'dragenter', { dataTransfer });
  await page.dispatchEvent('main', 'dragover', { dataTransfer });
  await steps.beforeDrop?.();
  await page.dispatchEvent('main', 'drop', { dataTransfer });
}

