/** The polite live region where short results are announced (copied, signed out, refreshed…). */
import { useEffect } from 'react';
import { useKeyport } from '../../store/index.ts';

/** Shows the current notice for a few seconds. */
export function NoticeRegion() {
  const notice = useKeyport((s) => s.notice);
  const dismiss = useKeyport((s) => s.dismissNotice);
  useEffect(() => {
    if (!notice) return;
    const timer = window.setTimeout(dismiss, 6000);
    return () => window.clearTimeout(timer);
  }, [notice, dismiss]);
  return (
    <div className="notice-region" role="status" aria-live="polite">
      {notice && (
        <p className={`notice notice-${notice.tone}`} data-testid="notice">
          {notice.text}{' '}
          <button type="button" className="link-button" onClick={dismiss} aria-label="Dismiss message">
            ×
          </button>
        </p>
      )}
    </div>
  );
}
