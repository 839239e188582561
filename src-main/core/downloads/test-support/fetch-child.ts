// A second process fetching a URL, for the cross-process tests: prints one JSON line per
// progress event and a final {result} or {error} line.
import { Downloader } from '../downloader.ts';

const [cacheDir, url, digest] = process.argv.slice(2);
if (!cacheDir || !url) throw new Error('usage: fetch-child.ts CACHE_DIR URL [DIGEST]');
const say = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const downloader = new Downloader({ cacheDir, lockPollMs: 50, retryDelayMs: 20 });
try {
  const result = await downloader.fetch({ url, digest, onProgress: (progress) => say({ progress }) });
  say({ result });
} catch (error) {
  say({ error: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
} finally {
  await downloader.close();
}
