// The Downloads page: transfers in progress and what the cache holds.
import { DownloadsPanel } from './DownloadsPanel.tsx';

export function DownloadsPage() {
  return (
    <section aria-labelledby="downloads-heading">
      <h1 id="downloads-heading">Downloads</h1>
      <DownloadsPanel />
    </section>
  );
}
