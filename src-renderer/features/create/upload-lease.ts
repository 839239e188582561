// While the create dialog shows a template it uploaded, it holds the upload from prune: a lease
// on the engine (core/templates/upload-lease.ts) taken at once and renewed while the dialog is
// open, so a prune from the Cache view or the CLI meanwhile cannot make its Create fail.
import { useEffect } from 'react';
import { api } from '../../api/index.ts';
import { ApiCallError, errorMessage } from '../../api/errors.ts';

/** Well within the engine's lease (10 minutes): one renewal lost to a dropped connection loses nothing. */
export const leaseRenewMs = 3 * 60 * 1000;

/** Holds `path` while it is given; `onGone` hears when the engine no longer keeps it. */
export function useUploadLease(path: string | undefined, onGone: (problem: string) => void): void {
  useEffect(() => {
    if (path === undefined) return undefined;
    const hold = () => {
      api.holdUpload({ path }).catch((error: unknown) => {
        // The engine being away is the connection banner's to say; a pruned upload is the field's.
        if (error instanceof ApiCallError && error.code === 'NOT_FOUND') onGone(`This template cannot be used: ${errorMessage(error)}`);
      });
    };
    hold();
    const timer = setInterval(hold, leaseRenewMs);
    return () => clearInterval(timer);
  }, [path, onGone]);
}
