// The last error, warning or message, where the user is looking: the bar sticks to the top of
// the viewport, so a failure of an action clicked far down a long list is seen there. Errors and
// warnings (what went wrong beside an action that succeeded) go to an alert region and other
// messages to a status region; both regions are always in the page, so screen readers announce
// what is put into them (a region that appears together with its text, or changes role, is
// often not announced). A warning has its own colour and icon: it is not an error.
import { TriangleAlert } from 'lucide-react';
import { useUi } from '../state/ui.ts';

export function NoticeBar() {
  const notice = useUi((s) => s.notice);
  const notify = useUi((s) => s.notify);
  const dismiss = <button type="button" onClick={() => notify(undefined)} aria-label="Dismiss message">×</button>;
  const alerting = notice?.kind === 'error' || notice?.kind === 'warning';
  return (
    <div className="notices">
      <div role="alert" className={`notice ${alerting ? notice.kind : 'empty'}`}>
        {notice?.kind === 'warning' ? <TriangleAlert size={18} aria-hidden="true" className="notice-icon" /> : null}
        {alerting ? <><span>{notice.text}</span>{dismiss}</> : null}
      </div>
      <div role="status" className={`notice ${notice?.kind === 'info' ? 'info' : 'empty'}`}>
        {notice?.kind === 'info' ? <><span>{notice.text}</span>{dismiss}</> : null}
      </div>
    </div>
  );
}
