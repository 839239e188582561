// The Downloads page: the downloads of this session (running, failed with Retry, just done) and
// the cache of what is downloaded, with its sizes, users and prune.
import { CacheView } from '../cache/CacheView.tsx';
import { NotificationPermission } from '../notifications/NotificationPermission.tsx';
import { DownloadsPanel } from './DownloadsPanel.tsx';

export function DownloadsPage() {
  return (
    <section aria-labelledby="downloads-heading" className="downloads-page">
      <h1 id="downloads-heading">Downloads</h1>
      <NotificationPermission />
      <DownloadsPanel title="Recent" emptyText="Nothing is downloading. When an instance starts, the files it needs are fetched here." />
      <CacheView />
    </section>
  );
}
