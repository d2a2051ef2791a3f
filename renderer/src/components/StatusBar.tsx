/** The status bar: version, where data lives, and which keychain holds the secrets. */
import { useKeyport } from '../store/index.ts';

/** Renders app facts from `app:info`, or the error that prevented loading them. */
export function StatusBar() {
  const info = useKeyport((s) => s.info);
  const error = useKeyport((s) => s.infoError);
  return (
    <footer className="status-bar" aria-label="Status">
      {info ? (
        <>
          <span data-testid="app-version">
            {info.name} {info.version}
          </span>
          <span title="Data folder" className="selectable">
            {info.dataDir}
          </span>
          <span title="Where secrets are kept">{info.keychain}</span>
        </>
      ) : error ? (
        <span role="alert">{error.message}</span>
      ) : (
        <span>Loading…</span>
      )}
    </footer>
  );
}
