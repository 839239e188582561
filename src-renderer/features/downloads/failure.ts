// A start or Retry that failed on a download: the engine marks it (details.download), since the
// download's own line already says what happened in plain words, with Retry. Saying it again
// in the notice bar would show the same failure twice.
import { ApiCallError } from '../../api/errors.ts';

export function isReportedDownloadFailure(error: unknown): boolean {
  return error instanceof ApiCallError && error.details.download === true;
}

/** The notice and notification title of a failed download (its line gives the reason). */
export function downloadFailedTitle(file: string, instance: string): string {
  return `Downloading ${file} for ${instance} failed`;
}
