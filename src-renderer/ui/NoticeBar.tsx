// The last error or message, announced to screen readers as it appears.
import { useUi } from '../state/ui.ts';

export function NoticeBar() {
  const notice = useUi((s) => s.notice);
  const notify = useUi((s) => s.notify);
  return (
    <div role={notice?.kind === 'error' ? 'alert' : 'status'} className={`notice ${notice ? notice.kind : 'empty'}`}>
      {notice ? (
        <>
          <span>{notice.text}</span>
          <button type="button" onClick={() => notify(undefined)} aria-label="Dismiss message">×</button>
        </>
      ) : null}
    </div>
  );
}
