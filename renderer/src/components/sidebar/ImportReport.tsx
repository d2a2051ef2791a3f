/** What the last import did: every server imported or skipped, with the reason. Server names are shown as text. */
import { useKeyport } from '../../store/index.ts';

/** Shows the import report until dismissed. */
export function ImportReport() {
  const report = useKeyport((s) => s.importReport);
  const dismiss = useKeyport((s) => s.dismissImportReport);
  if (!report) return null;
  return (
    <section className="import-report" aria-label="Import result">
      <p>
        Imported {report.imported.length} from <span className="selectable">{report.file}</span> ({report.format})
        {report.skipped.length > 0 ? `, skipped ${report.skipped.length}` : ''}.
      </p>
      <ul>
        {report.imported.map((s) => (
          <li key={`i-${s.name}`}>
            <span aria-hidden="true">✓ </span>
            {s.name} <span className="muted">{s.url}</span>
            {s.note && <span className="muted"> — {s.note}</span>}
          </li>
        ))}
        {report.skipped.map((s) => (
          <li key={`s-${s.name}`}>
            <span aria-hidden="true">– </span>
            {s.name} <span className="muted">skipped: {s.reason}</span>
          </li>
        ))}
      </ul>
      <button type="button" onClick={dismiss}>
        OK
      </button>
    </section>
  );
}
